package ru.rosdistant.gateway.channel.telegram;

import java.util.Comparator;

import org.telegram.telegrambots.meta.api.methods.GetFile;
import org.telegram.telegrambots.meta.api.objects.Contact;
import org.telegram.telegrambots.meta.api.objects.Update;
import org.telegram.telegrambots.meta.api.objects.User;
import org.telegram.telegrambots.meta.api.objects.message.Message;
import org.telegram.telegrambots.meta.api.objects.photo.PhotoSize;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.ChannelHttp;
import ru.rosdistant.gateway.channel.Inbound;
import ru.rosdistant.gateway.channel.MessengerInbox;

/**
 * Turns Telegram updates, polled or pushed, into what the inbox understands. Only private messages are
 * taken; a shared contact counts as the sender's phone only when its user is the sender. Files are
 * fetched from {@code {base}/file/bot{token}/{path}} here, because the library's helper ignores the base
 * URL.
 */
@Component
class TelegramUpdates {

    private final MessengerInbox inbox;

    private final TelegramClients clients;

    private final WebClient web;

    TelegramUpdates(MessengerInbox inbox, TelegramClients clients, ChannelHttp http) {
        this.inbox = inbox;
        this.clients = clients;
        this.web = http.client();
    }

    Mono<Void> handle(Bot bot, Update update) {
        Message message = update.getMessage();
        if (message == null || message.getFrom() == null || !"private".equals(message.getChat().getType())) {
            return Mono.empty();
        }
        User from = message.getFrom();
        String key = "tg:" + update.getUpdateId();
        String text = message.getText() != null ? message.getText() : message.getCaption();
        return inbox.receive(new Inbound(bot, String.valueOf(message.getChatId()), name(from), key, text,
                ownPhone(message.getContact(), from), file(bot, message)));
    }

    private static String ownPhone(Contact contact, User from) {
        if (contact == null || contact.getUserId() == null || !contact.getUserId().equals(from.getId())) {
            return null;
        }
        String phone = contact.getPhoneNumber().replaceAll("[^0-9+]", "");
        return phone.startsWith("+") ? phone : "+" + phone;
    }

    private Inbound.File file(Bot bot, Message message) {
        if (message.getDocument() != null) {
            var document = message.getDocument();
            return new Inbound.File(document.getFileId(), document.getFileName(), document.getMimeType(),
                    document.getFileSize(), download(bot, document.getFileId()));
        }
        if (message.getPhoto() != null && !message.getPhoto().isEmpty()) {
            PhotoSize largest = message.getPhoto().stream()
                    .max(Comparator.comparing(photo -> photo.getFileSize() == null ? 0 : photo.getFileSize()))
                    .orElseThrow();
            Long size = largest.getFileSize() == null ? null : largest.getFileSize().longValue();
            return new Inbound.File(largest.getFileId(), "photo.jpg", "image/jpeg", size,
                    download(bot, largest.getFileId()));
        }
        return null;
    }

    private Mono<byte[]> download(Bot bot, String fileId) {
        return Mono.defer(() -> clients.call(bot.id(), new GetFile(fileId)))
                .flatMap(file -> web.get()
                        .uri(TelegramClients.base(bot) + "/file/bot" + bot.token() + "/" + file.getFilePath())
                        .retrieve()
                        .bodyToMono(byte[].class));
    }

    private static String name(User from) {
        String last = from.getLastName() == null ? "" : " " + from.getLastName();
        return from.getFirstName() + last;
    }
}
