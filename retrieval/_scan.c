/* BM25Index's scan of every posting of a query of sparse terms, as one compiled loop (see bm25_index.py).

numpy spends a few ns a posting on each of the dozen passes the scan needs; this loop does them all in one,
about 2 ns a posting, with the same float64 operations in the same order: a term's weight in a passage is
idf * (tf * (k1 + 1) / (tf + norm)), added into the passage's score term by term in query order, as
rank-bm25 adds them, so the scores are rank-bm25's to the bit (no fused multiply-adds: setup.py compiles
with -ffp-contract=off). Built when the package is installed with a C compiler at hand; without one,
bm25_index.py does the same in numpy. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

typedef struct {
    double score;
    int64_t passage;
} Hit;

/* a ranks below b: a lower score, or an equal score at a higher passage index. */
static int below(Hit a, Hit b) { return a.score < b.score || (a.score == b.score && a.passage > b.passage); }

/* Restore the heap property below `at` in a heap whose root is the lowest-ranked hit. */
static void sift_down(Hit *heap, Py_ssize_t size, Py_ssize_t at) {
    for (;;) {
        Py_ssize_t lowest = at, left = 2 * at + 1, right = left + 1;
        if (left < size && below(heap[left], heap[lowest])) lowest = left;
        if (right < size && below(heap[right], heap[lowest])) lowest = right;
        if (lowest == at) return;
        Hit swap = heap[at];
        heap[at] = heap[lowest];
        heap[lowest] = swap;
        at = lowest;
    }
}

static void sift_up(Hit *heap, Py_ssize_t at) {
    while (at > 0 && below(heap[at], heap[(at - 1) / 2])) {
        Hit swap = heap[at];
        heap[at] = heap[(at - 1) / 2];
        heap[(at - 1) / 2] = swap;
        at = (at - 1) / 2;
    }
}

static int release_all(Py_buffer *buffers, int count) {
    for (int i = 0; i < count; i++) PyBuffer_Release(&buffers[i]);
    return 0;
}

/* scan_top_k(starts, ends, slots, idf, ids, counts, dense_counts, count_bytes, norm, k1, scores, touched, k)
   -> [(passage, score), ...] best first, at most k.

   The query's terms in query order: a sparse term (slot -1) has its postings at [starts, ends) of ids and
   counts; a dense term is row `slot` of dense_counts (one count per passage). The passages scored are those
   holding a sparse term; each dense term is looked up in them, in its turn, so that every passage adds its
   terms' weights in query order. */
static PyObject *scan_top_k(PyObject *module, PyObject *args) {
    Py_buffer b[10];
    int count_bytes;
    double k1;
    Py_ssize_t k;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*iy*dw*w*n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &b[6],
                          &count_bytes, &b[7], &k1, &b[8], &b[9], &k))
        return NULL;
    const int64_t *starts = b[0].buf, *ends = b[1].buf, *slots = b[2].buf;
    const double *idf = b[3].buf, *norm = b[7].buf;
    const uint32_t *ids = b[4].buf;
    const void *counts = b[5].buf, *dense = b[6].buf;
    double *scores = b[8].buf;
    int32_t *touched = b[9].buf;
    Py_ssize_t terms = b[0].len / 8, passages = b[7].len / 8;
    Py_ssize_t postings = count_bytes > 0 ? b[4].len / 4 : 0, rows = 0;
    int sizes_fit = (count_bytes == 1 || count_bytes == 2) && b[1].len / 8 == terms && b[2].len / 8 == terms &&
                    b[3].len / 8 == terms && b[5].len / count_bytes == postings && b[8].len / 8 == passages &&
                    b[9].len / 4 >= passages && k >= 0 && passages > 0;
    if (sizes_fit) rows = b[6].len / count_bytes / passages;
    for (Py_ssize_t t = 0; sizes_fit && t < terms; t++) {
        if (slots[t] < 0)
            sizes_fit = starts[t] >= 0 && starts[t] <= ends[t] && ends[t] <= postings;
        else
            sizes_fit = slots[t] < rows;
    }
    if (!sizes_fit) {
        release_all(b, 10);
        PyErr_SetString(PyExc_ValueError, "scan_top_k: arrays that do not fit together");
        return NULL;
    }
    Hit *heap = PyMem_RawMalloc(sizeof(Hit) * (size_t)(k > 0 ? k : 1));
    if (heap == NULL) {
        release_all(b, 10);
        return PyErr_NoMemory();
    }
    Py_ssize_t touched_count = 0, size = 0;
    int out_of_range = 0, has_dense = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t t = 0; t < terms; t++) has_dense |= slots[t] >= 0;
    /* With dense terms, the passages to score are found first: the dense terms come in their turn. */
    for (Py_ssize_t t = 0; has_dense && t < terms && !out_of_range; t++) {
        for (int64_t i = slots[t] < 0 ? starts[t] : 0; slots[t] < 0 && i < ends[t]; i++) {
            uint32_t passage = ids[i];
            if (passage >= (uint64_t)passages) {
                out_of_range = 1;
                break;
            }
            if (scores[passage] == 0.0) {
                touched[touched_count++] = (int32_t)passage;
                scores[passage] = -1.0;
            }
        }
    }
    for (Py_ssize_t j = 0; j < touched_count; j++) scores[touched[j]] = 0.0;
    for (Py_ssize_t t = 0; t < terms && !out_of_range; t++) {
        if (slots[t] >= 0) {
            for (Py_ssize_t j = 0; j < touched_count; j++) {
                int32_t passage = touched[j];
                Py_ssize_t at = slots[t] * passages + passage;
                double tf = count_bytes == 1 ? ((const uint8_t *)dense)[at] : ((const uint16_t *)dense)[at];
                /* A passage without the term adds 0, which leaves its score as it is. */
                if (tf > 0) scores[passage] += idf[t] * (tf * (k1 + 1) / (tf + norm[passage]));
            }
            continue;
        }
        for (int64_t i = starts[t]; i < ends[t]; i++) {
            uint32_t passage = ids[i];
            if (passage >= (uint64_t)passages) {
                out_of_range = 1;
                break;
            }
            double tf = count_bytes == 1 ? ((const uint8_t *)counts)[i] : ((const uint16_t *)counts)[i];
            /* Every weight is above 0 (the caller scans terms of positive idf only): without dense terms, 0
               marks a passage not yet touched. */
            if (!has_dense && scores[passage] == 0.0) touched[touched_count++] = (int32_t)passage;
            scores[passage] += idf[t] * (tf * (k1 + 1) / (tf + norm[passage]));
        }
    }
    for (Py_ssize_t j = 0; j < touched_count; j++) {
        Hit hit = {scores[touched[j]], touched[j]};
        scores[touched[j]] = 0.0;
        if (size < k) {
            heap[size] = hit;
            sift_up(heap, size++);
        } else if (k > 0 && below(heap[0], hit)) {
            heap[0] = hit;
            sift_down(heap, size, 0);
        }
    }
    Py_END_ALLOW_THREADS
    release_all(b, 10);
    if (out_of_range) {
        PyMem_RawFree(heap);
        PyErr_SetString(PyExc_ValueError, "scan_top_k: a posting names a passage past the last");
        return NULL;
    }
    /* Heap sort: the lowest-ranked hit goes last, so the list comes out best first. */
    for (Py_ssize_t end = size - 1; end > 0; end--) {
        Hit swap = heap[0];
        heap[0] = heap[end];
        heap[end] = swap;
        sift_down(heap, end, 0);
    }
    PyObject *best = PyList_New(size);
    for (Py_ssize_t i = 0; best != NULL && i < size; i++) {
        PyObject *pair = Py_BuildValue("(Ld)", (long long)heap[i].passage, heap[i].score);
        if (pair == NULL) {
            Py_CLEAR(best);
            break;
        }
        PyList_SET_ITEM(best, i, pair);
    }
    PyMem_RawFree(heap);
    return best;
}

static PyMethodDef methods[] = {
    {"scan_top_k", scan_top_k, METH_VARARGS,
     "scan_top_k(starts, ends, slots, idf, ids, counts, dense_counts, count_bytes, norm, k1, scores, touched, k): "
     "the best k (passage, score) of the passages holding a sparse term, best first, ties to the lower index."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_scan", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__scan(void) { return PyModule_Create(&module); }
