"""The bot's own words in the reader's language (Telegram's language_code); the quote stays verbatim."""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import AsyncIterator

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from telegram.ext import Application

from bot.answers import wording
from bot.querylog import QueryLog
from retrieval.engine import AnswerEngine
from tests.conftest import CARD_ANSWER, CARD_QUESTION, REPOSITORY, SEED_TITLE
from tests.telegram_bot import running_quotebot
from tests.telegram_emulator import TelegramEmulator

LOCALE = REPOSITORY / "bot" / "answers" / "locale"
TRANSLATED = [language for language in wording.LANGUAGES if language != wording.ENGLISH]
REGENERATE = (
    "update the catalogues: pybabel extract -k N_ -k NP_:1,2 --no-default-keywords --no-location "
    "--project=quotebot -o bot/answers/locale/quotebot.pot bot/answers/wording.py && pybabel update -i "
    "bot/answers/locale/quotebot.pot -d bot/answers/locale -D quotebot, translate, then pip install -e ."
)


@pytest.fixture
async def quotebot(
    emulator: TelegramEmulator, engine: AnswerEngine, sqlite_log: QueryLog
) -> AsyncIterator[Application]:
    async with running_quotebot(emulator, engine, sqlite_log) as application:
        yield application


async def test_a_russian_reader_gets_a_russian_frame_around_the_verbatim_quote(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    emulator.send_text(CARD_QUESTION, language_code="ru")
    call = await emulator.wait_for("sendMessage")
    text = call.result["text"]
    assert CARD_ANSWER in text
    assert f"{SEED_TITLE}, 3 декабря 2022\u202fг." in text and "000_f1d616dfc469d761" not in text
    assert "(8 февраля 2022\u202fг.)" in text
    more = call.result["reply_markup"]["inline_keyboard"][0][0]
    assert more["text"] == "Ещё"


async def test_a_question_asked_in_russian_gets_the_verbatim_english_quote_in_a_russian_frame(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    emulator.send_text("Что получила Украина в обмен на отказ от ядерного оружия?", language_code="ru")
    text = (await emulator.wait_for("sendMessage")).result["text"]
    assert "security guarantee" in text and "В источниках об этом ничего нет" not in text
    assert f"{SEED_TITLE}, 3 декабря 2022\u202fг." in text


async def test_the_cards_question_asked_in_russian_gets_its_quote_in_a_russian_frame(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    emulator.send_text("Какие три требования выдвинул Путин?", language_code="ru")
    text = (await emulator.wait_for("sendMessage")).result["text"]
    assert CARD_ANSWER in text and "В источниках об этом ничего нет" not in text
    assert f"{SEED_TITLE}, 3 декабря 2022\u202fг." in text and "(8 февраля 2022\u202fг.)" in text


async def test_refusal_and_help_follow_the_language_and_unknown_languages_get_english(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    emulator.send_text("What is the capital of Australia?", language_code="uk")
    refusal = (await emulator.wait_for("sendMessage")).result["text"]
    assert refusal.startswith("У джерелах про це нічого немає, тож я не вгадуватиму.")
    assert "(3 грудня 2022\u202fр.)" in refusal and "Які три вимоги висунув Путін?" in refusal

    emulator.send_text("/help", language_code="de-AT")
    assert "So fragen Sie" in (await emulator.wait_for("sendMessage")).result["text"]

    for code in ("pt", "pt-br", None):
        emulator.send_text(CARD_QUESTION, language_code=code)
        english = (await emulator.wait_for("sendMessage")).result["text"]
        assert f"{SEED_TITLE}, 3 December 2022" in english and "000_f1d616dfc469d761" not in english


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "26 November – 2 December 2022"),
        ("fr", "26 novembre – 2 décembre 2022"),
        ("de", "26. November – 2. Dezember 2022"),
        ("es", "26 de noviembre – 2 de diciembre de 2022"),
        ("ru", "26 ноября – 2 декабря 2022\u202fг."),  # Babel (CLDR) puts a narrow no-break space before г.
        ("uk", "26 листопада – 2 грудня 2022\u202fр."),
    ],
)
def test_date_spans_are_written_the_way_each_language_writes_dates(language: str, expected: str) -> None:
    assert wording.wording_for(language).date_span(dt.date(2022, 11, 26), dt.date(2022, 12, 2)) == expected


def test_plural_forms_follow_the_language() -> None:
    russian = wording.wording_for("ru")
    assert [russian.count(wording.FORGOTTEN, n) for n in (1, 3, 5, 21)] == [
        "Готово: я удалил 1 ваш сохранённый вопрос.",
        "Готово: я удалил 3 ваших сохранённых вопроса.",
        "Готово: я удалил 5 ваших сохранённых вопросов.",
        "Готово: я удалил 21 ваш сохранённый вопрос.",
    ]


def test_the_template_holds_every_message_of_the_wording_module() -> None:
    extracted = {
        message if isinstance(message, str) else message[0]
        for _, message, _, _ in extract_from_file(
            "python", REPOSITORY / "bot" / "answers" / "wording.py", keywords={"N_": None, "NP_": (1, 2)}
        )
    }
    with (LOCALE / "quotebot.pot").open("rb") as template:
        in_template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(template) if m.id}
    assert extracted == in_template, REGENERATE


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_compiled(language: str) -> None:
    with (LOCALE / language / "LC_MESSAGES" / "quotebot.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    with (LOCALE / "quotebot.pot").open("rb") as template:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(template) if m.id}
    untranslated = [m.id for m in catalog if m.id and (not m.string or not all(m.string) or m.fuzzy)]
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id} == wanted, REGENERATE
    assert not untranslated, f"{language}: untranslated {untranslated}"
    compiled = gettext.translation(wording.DOMAIN, wording.LOCALE_DIR, languages=[language])
    stale = [m.id for m in catalog if m.id and isinstance(m.id, str) and compiled.gettext(m.id) != m.string]
    assert not stale, f"{language}: the compiled catalogue is older than its .po; rebuild it with pip install -e ."


async def test_a_reader_trying_a_moderator_command_is_refused_in_their_language(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    emulator.send_text("/recent", language_code="fr")
    assert (await emulator.wait_for("sendMessage")).result["text"] == (
        "Désolé, cette commande est réservée aux modérateurs du bot."
    )
