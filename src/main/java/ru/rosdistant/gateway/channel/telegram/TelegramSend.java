package ru.rosdistant.gateway.channel.telegram;

import java.util.List;

import org.telegram.telegrambots.meta.api.methods.send.SendMessage;
import org.telegram.telegrambots.meta.api.objects.replykeyboard.ReplyKeyboard;
import org.telegram.telegrambots.meta.api.objects.replykeyboard.ReplyKeyboardMarkup;
import org.telegram.telegrambots.meta.api.objects.replykeyboard.ReplyKeyboardRemove;
import org.telegram.telegrambots.meta.api.objects.replykeyboard.buttons.KeyboardButton;
import org.telegram.telegrambots.meta.api.objects.replykeyboard.buttons.KeyboardRow;
import org.telegram.telegrambots.meta.exceptions.TelegramApiRequestException;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.channel.DeliveryFailures;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.outbox.OutboxHandler;
import ru.rosdistant.gateway.outbox.PermanentDeliveryFailure;

/**
 * Delivers {@code telegram.send} outbox entries with {@code sendMessage}. Telegram's 400 (chat not found)
 * and 403 (the person blocked the bot) are permanent; everything else (429, 5xx, no connection) is
 * retried by the outbox.
 */
@Component
class TelegramSend implements OutboxHandler {

    static final String CONTACT_BUTTON = "Отправить мой номер";

    private final TelegramClients clients;

    private final DeliveryFailures failures;

    TelegramSend(TelegramClients clients, DeliveryFailures failures) {
        this.clients = clients;
        this.failures = failures;
    }

    @Override
    public String kind() {
        return Platform.TELEGRAM.sendKind();
    }

    @Override
    public Mono<Void> deliver(JsonNode payload) {
        String botId = payload.path("bot").asString();
        if (clients.of(botId).isEmpty()) {
            // the bot was switched off: keep the entry until it is on again
            return Mono.error(new IllegalStateException("The Telegram bot '" + botId + "' is off"));
        }
        SendMessage message = SendMessage.builder()
                .chatId(payload.path("chat").asString())
                .text(payload.path("text").asString())
                .replyMarkup(keyboard(payload.path("keyboard").asString("")))
                .build();
        return failures.reported(Platform.TELEGRAM, payload, clients.call(botId, message)
                .onErrorMap(TelegramApiRequestException.class, TelegramSend::classified)
                .then());
    }

    private static Throwable classified(TelegramApiRequestException error) {
        Integer code = error.getErrorCode();
        if (code != null && (code == 400 || code == 403)) {
            return new PermanentDeliveryFailure("Telegram " + code + ": " + error.getApiResponse(), error);
        }
        return error;
    }

    private static ReplyKeyboard keyboard(String kind) {
        return switch (kind) {
            case "CONTACT" -> ReplyKeyboardMarkup.builder()
                    .keyboard(List.of(new KeyboardRow(KeyboardButton.builder()
                            .text(CONTACT_BUTTON)
                            .requestContact(true)
                            .build())))
                    .resizeKeyboard(true)
                    .oneTimeKeyboard(true)
                    .build();
            case "REMOVE" -> ReplyKeyboardRemove.builder().removeKeyboard(true).build();
            default -> null;
        };
    }
}
