"""The emulator behaves like Telegram as the real python-telegram-bot client sees it.

Every test drives the emulator with python-telegram-bot's own Bot or Application, so what is
proven here is what quotebot will meet: the same requests, the same exceptions, the same updates.
"""

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from tests.cli_runner import QUOTEBOT
from tests.telegram_emulator import DEFAULT_TOKEN, DEFAULT_USER_ID, TelegramEmulator, UploadedFile

GROUP_CHAT_ID = -400200300
QUESTION = "What were Putin's three demands?"
REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture
async def bot(emulator: TelegramEmulator) -> AsyncIterator[Bot]:
    async with Bot(emulator.token, base_url=emulator.base_url, base_file_url=emulator.base_file_url) as client:
        yield client


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Repeat the text so a test can see a message go through the bot and back."""
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /ask, proving the bot_command entity made CommandHandler fire."""
    await update.effective_message.reply_text(f"asked: {' '.join(context.args)}")


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer an inline button, to be pressed by the test's user."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("First quote", callback_data="quote:1")]])
    await update.effective_message.reply_text("Pick a quote", reply_markup=keyboard)


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Acknowledge the press and show the choice in place of the menu."""
    await update.callback_query.answer("Loading")
    await update.callback_query.edit_message_text(f"You chose {update.callback_query.data}")


async def search_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer one quotation as an inline result."""
    article = InlineQueryResultArticle(
        id="1",
        title="Quote",
        input_message_content=InputTextMessageContent(
            f"<b>{update.inline_query.query}</b>: «…»", parse_mode=ParseMode.HTML
        ),
    )
    await update.inline_query.answer([article], cache_time=0)


def build_application(emulator: TelegramEmulator) -> Application:
    application = (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("ask", ask))
    application.add_handler(CommandHandler("menu", menu))
    application.add_handler(CallbackQueryHandler(choose))
    application.add_handler(InlineQueryHandler(search_inline))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return application


@pytest.fixture
async def polling_bot(emulator: TelegramEmulator) -> AsyncIterator[Application]:
    application = build_application(emulator)
    async with application:
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await application.start()
        yield application
        await application.updater.stop()
        await application.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def start_standalone(*arguments: str, **pipes: int) -> asyncio.subprocess.Process:
    """``python -m tests.telegram_emulator`` on a free port, as a container test would run it."""
    command = ["-m", "tests.telegram_emulator", "--port", "0", *arguments]
    return await asyncio.create_subprocess_exec(sys.executable, *command, cwd=REPOSITORY, **pipes)


def description_of(emulator: TelegramEmulator, method: str) -> str:
    """Telegram's description in the latest answer to ``method``."""
    return [call for call in emulator.calls if call.method == method][-1].response["description"]


async def test_get_me_describes_the_test_bot(bot: Bot) -> None:
    me = await bot.get_me()

    assert me.is_bot
    assert me.username == "quotebot_test_bot"
    assert me.can_join_groups
    assert not me.can_read_all_group_messages
    assert me.supports_inline_queries


async def test_unknown_token_is_unauthorized(emulator: TelegramEmulator) -> None:
    with pytest.raises(InvalidToken):
        await Bot("1:wrong", base_url=emulator.base_url).get_me()

    assert emulator.calls[-1].status == 401
    assert emulator.calls[-1].response == {
        "ok": False,
        "error_code": 401,
        "description": "Unauthorized",
    }


async def test_unknown_method_is_not_found(bot: Bot, emulator: TelegramEmulator) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("getNothingAtAll")

    assert emulator.calls[-1].status == 404
    assert description_of(emulator, "getNothingAtAll") == "Not Found"


async def test_json_bodies_and_query_strings_are_understood(emulator: TelegramEmulator) -> None:
    emulator.send_text("hello")
    keyboard = {"inline_keyboard": [[{"text": "More", "callback_data": "more"}]]}
    api = f"{emulator.base_url}{emulator.token}"

    async with httpx.AsyncClient() as client:
        sent = await client.post(
            f"{api}/sendMessage",
            json={"chat_id": str(DEFAULT_USER_ID), "text": "hi", "reply_markup": keyboard},
        )
        me = await client.get(f"{api}/getme")
        download = await client.get(f"{emulator.base_file_url}{emulator.token}/documents/x.txt")

    assert sent.json()["result"]["reply_markup"] == keyboard
    assert emulator.calls[-2].params["chat_id"] == DEFAULT_USER_ID
    assert (me.status_code, emulator.calls[-1].method) == (200, "getMe")
    assert download.status_code == 404


async def test_a_message_reaches_the_handler_and_the_reply_is_recorded(
    emulator: TelegramEmulator, polling_bot: Application
) -> None:
    emulator.send_text(QUESTION)

    reply = await emulator.wait_for("sendMessage")

    assert reply.params["chat_id"] == DEFAULT_USER_ID
    assert reply.params["text"] == f"echo: {QUESTION}"
    assert reply.result["from"]["username"] == "quotebot_test_bot"
    assert [m["text"] for m in emulator.sent_messages(DEFAULT_USER_ID)] == [f"echo: {QUESTION}"]


async def test_bot_command_entities_make_command_handler_fire(
    emulator: TelegramEmulator, polling_bot: Application
) -> None:
    emulator.send_text("/ask three demands")

    reply = await emulator.wait_for("sendMessage")

    assert reply.params["text"] == "asked: three demands"


async def test_a_command_addressed_to_the_bot_in_a_group_fires_and_others_do_not(
    emulator: TelegramEmulator, polling_bot: Application
) -> None:
    emulator.send_text("/ask@some_other_bot ignored", chat_type="group")
    emulator.send_text("/ask@quotebot_test_bot demands", chat_type="group")

    reply = await emulator.wait_for("sendMessage")

    assert reply.params["chat_id"] == GROUP_CHAT_ID
    assert reply.result["chat"]["type"] == "group"
    assert [m["text"] for m in emulator.sent_messages()] == ["asked: demands"]


async def test_an_edited_message_arrives_as_edited_message(bot: Bot, emulator: TelegramEmulator) -> None:
    sent = emulator.send_text("first wording")["message"]
    emulator.edit_text(sent, "/ask second wording")

    updates = await bot.get_updates()

    edited = updates[1].edited_message
    assert edited.message_id == sent["message_id"]
    assert edited.text == "/ask second wording"
    assert edited.edit_date is not None
    assert edited.entities[0].type == "bot_command"


async def test_media_updates_have_the_shapes_python_telegram_bot_parses(bot: Bot, emulator: TelegramEmulator) -> None:
    emulator.send_sticker("🙂")
    emulator.send_photo(caption="a chart")
    emulator.send_voice(duration=4)
    emulator.send_document("speech.pdf", mime_type="application/pdf", chat_type="supergroup")

    sticker, photo, voice, document = (update.message for update in await bot.get_updates())

    assert sticker.sticker.emoji == "🙂"
    assert photo.caption == "a chart" and len(photo.photo) == 3
    assert voice.voice.to_dict()["duration"] == 4
    assert document.document.file_name == "speech.pdf"
    assert document.chat.type == "supergroup"


async def test_anonymous_admins_and_channel_posts_carry_telegrams_stand_ins(
    bot: Bot, emulator: TelegramEmulator
) -> None:
    emulator.send_text("/ask q", chat_type="supergroup", anonymous_admin=True)
    emulator.send_text("/ask q", chat_type="supergroup", as_channel=-1009990001)

    anonymous, channel_post = (update.message for update in await bot.get_updates())

    assert (anonymous.from_user.username, anonymous.sender_chat.id) == ("GroupAnonymousBot", anonymous.chat.id)
    assert (channel_post.from_user.id, channel_post.sender_chat.type) == (136817688, "channel")
    with pytest.raises(ValueError, match="only group messages"):
        emulator.send_text("q", anonymous_admin=True)


async def test_a_poll_from_an_older_bot_api_server_is_one_python_telegram_bot_cannot_parse(
    bot: Bot, emulator: TelegramEmulator
) -> None:
    emulator.send_poll()
    [update] = await bot.get_updates()
    assert [option.persistent_id for option in update.message.poll.options] == ["0", "1"]

    emulator.send_poll(older_server=True)
    with pytest.raises(TypeError, match="required argument since Bot API"):
        await bot.get_updates(offset=update.update_id + 1)


async def test_the_bot_cannot_start_a_private_chat_with_a_user_it_only_met_in_a_group(
    bot: Bot, emulator: TelegramEmulator
) -> None:
    emulator.send_text("hello", user_id=5151, chat_type="group")

    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(5151, "psst")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(6161, "nobody")
    emulator.send_text("/start", user_id=5151)
    assert (await bot.send_message(5151, "now we can")).text == "now we can"


async def test_get_updates_offset_confirms_limit_caps_and_negative_offset_keeps_the_tail(
    bot: Bot, emulator: TelegramEmulator
) -> None:
    ids = [emulator.send_text(f"message {n}")["update_id"] for n in range(3)]

    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert [u.update_id for u in await bot.get_updates()] == ids[1:]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[2:]
    assert [u.update_id for u in await bot.get_updates()] == ids[2:]


async def test_allowed_updates_filters_what_is_queued_afterwards(bot: Bot, emulator: TelegramEmulator) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    emulator.send_text("not wanted")

    assert await bot.get_updates() == ()


async def test_a_long_poll_returns_as_soon_as_an_update_arrives(bot: Bot, emulator: TelegramEmulator) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emulator.wait_for_long_poll()

    update_id = emulator.send_text("wake up")["update_id"]

    assert [u.update_id for u in await asyncio.wait_for(poll, 10)] == [update_id]


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ("<p>paragraph</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("2 < 3", 'Unsupported start tag "" at byte offset 2'),
        ("<b>bold", "Can't find end tag corresponding to start tag b"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("Путин <b", "Unclosed start tag at byte offset 11"),
    ],
)
async def test_invalid_html_is_refused_like_telegram(
    bot: Bot, emulator: TelegramEmulator, markup: str, reason: str
) -> None:
    emulator.send_text("hello")

    with pytest.raises(BadRequest):
        await bot.send_message(DEFAULT_USER_ID, markup, parse_mode=ParseMode.HTML)

    assert emulator.calls[-1].status == 400
    assert description_of(emulator, "sendMessage") == f"Bad Request: can't parse entities: {reason}"


async def test_valid_html_arrives_as_plain_text_with_entities(bot: Bot, emulator: TelegramEmulator) -> None:
    emulator.send_text("hello")
    markup = (
        '<b>Putin</b> &amp; <a href="https://example.org/a?b=1&amp;c=2">source</a>, AT&T '
        '<pre><code class="language-text">x</code></pre><blockquote expandable>q</blockquote>'
        "&#128512;&lt;3&gt; &quot;ok&quot;"
    )

    message = await bot.send_message(DEFAULT_USER_ID, markup, parse_mode=ParseMode.HTML)

    assert message.text == 'Putin & source, AT&T xq😀<3> "ok"'
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 5),
        ("text_link", 8, 6),
        ("pre", 21, 1),
        ("expandable_blockquote", 22, 1),
    ]
    assert message.entities[1].url == "https://example.org/a?b=1&c=2"
    assert message.entities[2].language == "text"


async def test_length_limit_counts_utf16_units_of_the_text_after_parsing(bot: Bot, emulator: TelegramEmulator) -> None:
    emulator.send_text("hello")

    await bot.send_message(DEFAULT_USER_ID, f"<b>{'x' * 4096}</b>", parse_mode=ParseMode.HTML)
    for too_long in ("x" * 4097, "😀" * 2049):
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(DEFAULT_USER_ID, too_long)
        assert description_of(emulator, "sendMessage") == "Bad Request: message is too long"


async def test_empty_text_and_unknown_chats_are_refused(bot: Bot, emulator: TelegramEmulator) -> None:
    emulator.send_text("hello")

    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(DEFAULT_USER_ID, "<b> </b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(123, "nobody is there")


async def test_callback_data_over_64_bytes_is_refused(bot: Bot, emulator: TelegramEmulator) -> None:
    emulator.send_text("hello")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])

    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(DEFAULT_USER_ID, "menu", reply_markup=keyboard)


async def test_editing_to_the_same_content_is_refused_as_not_modified(bot: Bot, emulator: TelegramEmulator) -> None:
    emulator.send_text("hello")
    message = await bot.send_message(DEFAULT_USER_ID, "<i>same</i>", parse_mode=ParseMode.HTML)

    with pytest.raises(BadRequest, match="Message is not modified"):
        await message.edit_text("<i>same</i>", parse_mode=ParseMode.HTML)
    edited = await message.edit_text("<i>new</i>", parse_mode=ParseMode.HTML)

    assert edited.text == "new"
    assert emulator.sent_messages()[-1]["text"] == "new"


async def test_429_arrives_as_retry_after_and_the_next_call_succeeds(bot: Bot, emulator: TelegramEmulator) -> None:
    emulator.send_text("hello")
    emulator.fail_next("sendMessage", retry_after=3)

    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await bot.send_message(DEFAULT_USER_ID, "first try")
    await bot.send_message(DEFAULT_USER_ID, "second try")

    failed, succeeded = [call for call in emulator.calls if call.method == "sendMessage"]
    assert failed.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 3},
    }
    assert succeeded.status == 200
    assert [m["text"] for m in emulator.sent_messages()] == ["second try"]


async def test_a_dropped_connection_is_a_network_error_for_the_bot(bot: Bot, emulator: TelegramEmulator) -> None:
    emulator.send_text("hello")
    emulator.drop_next("sendMessage")

    with pytest.raises(NetworkError):
        await bot.send_message(DEFAULT_USER_ID, "lost")

    assert emulator.calls[-1].status is None
    assert emulator.sent_messages() == []


async def test_random_faults_fail_calls_before_anything_is_done(bot: Bot, emulator: TelegramEmulator) -> None:
    emulator.send_text("hello")
    emulator.inject_faults(("sendMessage",), rate=1.0, seed=3)

    for _ in range(8):
        with pytest.raises((NetworkError, RetryAfter)):
            await bot.send_message(DEFAULT_USER_ID, "lost")

    assert {call.status for call in emulator.calls if call.method == "sendMessage"} <= {502, 500, 429, None}
    assert emulator.sent_messages() == []
    assert (await bot.get_me()).username == "quotebot_test_bot"


async def test_a_partition_holds_requests_and_drops_them_unprocessed(bot: Bot, emulator: TelegramEmulator) -> None:
    emulator.send_text("hello")
    with emulator.partition():
        sending = asyncio.create_task(bot.send_message(DEFAULT_USER_ID, "held"))
        polling = asyncio.create_task(bot.get_updates(offset=-1, timeout=1))
        await asyncio.sleep(1.5)
        assert not sending.done() and not polling.done()
        emulator.send_text("arrives during the partition")
    with pytest.raises(NetworkError):
        await sending
    with pytest.raises(NetworkError):
        await polling
    assert emulator.sent_messages() == []
    assert len(await bot.get_updates()) == 2


async def test_an_outage_drops_every_request(bot: Bot, emulator: TelegramEmulator) -> None:
    with emulator.outage(), pytest.raises(NetworkError):
        await bot.get_me()
    assert (await bot.get_me()).is_bot


async def test_polling_recovers_after_a_502_on_get_updates(emulator: TelegramEmulator) -> None:
    emulator.fail_next("getUpdates", status=502, description="Bad Gateway")
    application = build_application(emulator)
    async with application:
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await application.start()
        emulator.send_text("still there?")

        reply = await emulator.wait_for("sendMessage")

        await application.updater.stop()
        await application.stop()
    statuses = [call.status for call in emulator.calls if call.method == "getUpdates"]
    assert statuses[:2] == [502, 200]
    assert reply.params["text"] == "echo: still there?"


async def test_a_second_long_poll_terminates_the_first_with_409(emulator: TelegramEmulator) -> None:
    async with (
        Bot(emulator.token, base_url=emulator.base_url) as first,
        Bot(emulator.token, base_url=emulator.base_url) as second,
    ):
        first_poll = asyncio.create_task(first.get_updates(timeout=30))
        await emulator.wait_for_long_poll()
        second_poll = asyncio.create_task(second.get_updates(timeout=30))

        with pytest.raises(Conflict) as conflict:
            await first_poll
        update_id = emulator.send_text("who gets this?")["update_id"]

        assert [u.update_id for u in await second_poll] == [update_id]
    assert conflict.value.message == (
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    )


async def test_set_webhook_ends_polling_until_the_webhook_is_deleted(bot: Bot, emulator: TelegramEmulator) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emulator.wait_for_long_poll()

    await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="s3cret-token_1")

    with pytest.raises(Conflict, match="terminated by setWebhook request"):
        await poll
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    info = await bot.get_webhook_info()
    assert info.url == "http://127.0.0.1:9/hook"
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_a_secret_token_with_characters_telegram_refuses_is_refused(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Secret token contains unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="not/base64url=")


async def test_webhook_delivery_with_the_right_and_a_wrong_secret(
    emulator: TelegramEmulator,
) -> None:
    port = free_port()
    application = build_application(emulator)
    async with application:
        await application.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="telegram",
            secret_token="s3cret",
            webhook_url=f"http://127.0.0.1:{port}/telegram",
        )
        await application.start()

        genuine = emulator.send_text("via webhook")
        delivered = await emulator.wait_for_delivery(genuine["update_id"])
        reply = await emulator.wait_for("sendMessage")
        with emulator.forged_webhook_secret("wrong"):
            forged = emulator.send_text("forged")
        refused = await emulator.wait_for_delivery(forged["update_id"])
        info = await application.bot.get_webhook_info()

        await application.updater.stop()
        await application.stop()
    set_webhook = await emulator.wait_for("setWebhook")
    assert set_webhook.params["secret_token"] == "s3cret"
    assert (delivered.status, delivered.secret_token) == (200, "s3cret")
    assert reply.params["text"] == "echo: via webhook"
    assert (refused.status, refused.secret_token) == (403, "wrong")
    assert info.last_error_message == "Wrong response from the webhook: 403 Request had the wrong secret token"
    assert [m["text"] for m in emulator.sent_messages()] == ["echo: via webhook"]


async def test_send_document_is_recorded_with_filename_and_bytes(bot: Bot, emulator: TelegramEmulator) -> None:
    emulator.send_text("hello")
    content = b"quote\x00\r\n\xff\r\n--boundary-like--\r\n"

    message = await bot.send_document(
        DEFAULT_USER_ID,
        content,
        filename="quotes.txt",
        caption="<b>Quotes</b>",
        parse_mode=ParseMode.HTML,
    )

    call = await emulator.wait_for("sendDocument")
    assert call.params["document"] == UploadedFile("quotes.txt", content, "text/plain")
    assert message.document.file_name == "quotes.txt"
    assert message.document.file_size == len(content)
    assert message.caption == "Quotes"
    assert message.caption_entities[0].type == "bold"


async def test_a_button_press_round_trip(emulator: TelegramEmulator, polling_bot: Application, bot: Bot) -> None:
    emulator.send_text("/menu")
    menu_message = (await emulator.wait_for("sendMessage")).result
    assert menu_message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "quote:1"

    press = emulator.press_button(menu_message, "quote:1")
    answer = await emulator.wait_for("answerCallbackQuery")
    edit = await emulator.wait_for("editMessageText")

    assert answer.ok and answer.params["text"] == "Loading"
    assert edit.ok and emulator.sent_messages()[-1]["text"] == "You chose quote:1"
    assert "reply_markup" not in emulator.sent_messages()[-1]
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(press["callback_query"]["id"])
    with pytest.raises(ValueError, match="no button"):
        emulator.press_button(menu_message, "quote:2")


async def test_a_press_on_an_inline_message_carries_its_id_and_no_message(bot: Bot, emulator: TelegramEmulator) -> None:
    asked = emulator.inline_query("q")
    query_id = asked["inline_query"]["id"]
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Next", callback_data="next")]])
    result = InlineQueryResultArticle("r1", "t", InputTextMessageContent("quote"), reply_markup=keyboard)
    await bot.answer_inline_query(query_id, [result], next_offset="1")
    inline_message = emulator.choose_inline_result(emulator.calls[-1], "r1")

    emulator.press_button(inline_message, "next")
    emulator.press_button(inline_message, "forged", forged=True)
    pressed, forged = (update.callback_query for update in await bot.get_updates(offset=asked["update_id"] + 1))

    assert pressed.message is None and pressed.inline_message_id == inline_message["inline_message_id"]
    assert (pressed.data, forged.data) == ("next", "forged")
    with pytest.raises(ValueError, match="no button"):
        emulator.press_button(inline_message, "forged")
    too_far = emulator.inline_query("q")["inline_query"]["id"]
    with pytest.raises(BadRequest, match="Next_offset_invalid"):
        await bot.answer_inline_query(too_far, [], next_offset="9" * 65)


async def test_an_inline_query_round_trip(emulator: TelegramEmulator, polling_bot: Application) -> None:
    emulator.inline_query("demands")

    answer = await emulator.wait_for("answerInlineQuery")

    assert answer.ok
    assert answer.params["results"][0]["input_message_content"]["message_text"] == "<b>demands</b>: «…»"


async def test_inline_answers_are_validated_like_messages(bot: Bot, emulator: TelegramEmulator) -> None:
    def article(result_id: int, text: str) -> InlineQueryResultArticle:
        return InlineQueryResultArticle(str(result_id), "t", InputTextMessageContent(text, parse_mode=ParseMode.HTML))

    too_many = emulator.inline_query("q")["inline_query"]["id"]
    broken = emulator.inline_query("q")["inline_query"]["id"]
    too_long = emulator.inline_query("q")["inline_query"]["id"]

    with pytest.raises(BadRequest, match="Results_too_much"):
        await bot.answer_inline_query(too_many, [article(n, "ok") for n in range(51)])
    with pytest.raises(BadRequest):
        await bot.answer_inline_query(broken, [article(1, "<b>open")])
    assert description_of(emulator, "answerInlineQuery") == (
        "Bad Request: can't parse inline query result: "
        "Can't parse entities: Can't find end tag corresponding to start tag b"
    )
    with pytest.raises(BadRequest, match="Message_too_long"):
        await bot.answer_inline_query(too_long, [article(1, "x" * 4097)])
    assert await bot.answer_inline_query(too_long, [article(n, "ok") for n in range(50)])


async def test_commands_round_trip_and_invalid_names_are_refused(bot: Bot) -> None:
    await bot.set_my_commands([("ask", "Ask about the articles"), ("help", "How to ask")])

    assert [(c.command, c.description) for c in await bot.get_my_commands()] == [
        ("ask", "Ask about the articles"),
        ("help", "How to ask"),
    ]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Ask-Now", "Invalid name")])


async def test_chat_actions_are_checked(bot: Bot, emulator: TelegramEmulator) -> None:
    emulator.send_text("hello")

    assert await bot.send_chat_action(DEFAULT_USER_ID, "typing")
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(DEFAULT_USER_ID, "dancing")


async def test_standalone_emulator_asks_questions_and_prints_the_replies(tmp_path: Path) -> None:
    script = tmp_path / "questions.txt"
    script.write_text("Who negotiated?\n", encoding="utf-8")
    process = await start_standalone("--ask", QUESTION, "--script", str(script), stdout=asyncio.subprocess.PIPE)
    base_url = (await process.stdout.readline()).decode().strip()
    async with Bot(DEFAULT_TOKEN, base_url=base_url) as client:
        offset = 0
        for reply in ("Three demands: …", "Nobody."):
            update = (await client.get_updates(offset=offset, timeout=10))[0]
            offset = update.update_id + 1
            await update.message.reply_text(reply)

    output, _ = await process.communicate()

    assert process.returncode == 0
    assert [json.loads(line) for line in output.decode().splitlines()] == [
        {"question": QUESTION, "text": "Three demands: …"},
        {"question": "Who negotiated?", "text": "Nobody."},
    ]


async def test_standalone_emulator_exits_1_when_no_reply_comes() -> None:
    process = await start_standalone("--ask", QUESTION, "--timeout", "0.2", stderr=asyncio.subprocess.PIPE)

    _, errors = await process.communicate()

    assert process.returncode == 1
    assert "no matching sendMessage" in errors.decode()


async def test_a_script_with_export_gets_the_file_and_ends(tmp_path: Path) -> None:
    """README's manual run: the emulator on its own, `quotebot run` started beside it, /export in the script."""
    script = tmp_path / "script.txt"
    script.write_text("What were Putin's three demands?\n/export\n", encoding="utf-8")
    emulator = await start_standalone("--script", str(script), "--timeout", "30", stdout=asyncio.subprocess.PIPE)
    base_url = (await emulator.stdout.readline()).decode().strip()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "QUOTEBOT_", "DATABASE_"))}
    environment.update(
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_BASE_URL=base_url,
        MODERATOR_IDS=str(DEFAULT_USER_ID),
        QUOTEBOT_DATA_DIR=str(tmp_path / "data"),
        QUOTEBOT_METRICS_PORT="0",
    )
    bot = await asyncio.create_subprocess_exec(
        QUOTEBOT, "run", env=environment, stderr=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL
    )
    try:
        output, _ = await asyncio.wait_for(emulator.communicate(), timeout=60)
    finally:
        bot.terminate()
        await bot.wait()
    assert emulator.returncode == 0
    answer, export = [json.loads(line) for line in output.decode().splitlines()]
    assert "no more NATO enlargement" in answer["text"]
    assert export["question"] == "/export" and export["document"].endswith(".csv")
