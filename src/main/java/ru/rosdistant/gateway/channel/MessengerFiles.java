package ru.rosdistant.gateway.channel;

import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.files.FileStore;
import ru.rosdistant.gateway.files.StoredFile;

/**
 * Files people send: kept in the {@link FileStore} up to the size limit and offered to the agent as a link; a
 * larger one is not downloaded at all and is recorded as "blocked file (size limit)" with where the original
 * is (regulation 4.2, requirement 2).
 */
@Component
class MessengerFiles {

    private final DatabaseClient db;

    private final ChannelProperties properties;

    private final FileStore store;

    MessengerFiles(DatabaseClient db, ChannelProperties properties, FileStore store) {
        this.db = db;
        this.properties = properties;
        this.store = store;
    }

    /** Stores the file for the dialog and returns the text of the message that shows it to the agent. */
    Mono<String> store(Bot bot, Dialog dialog, Inbound.File file) {
        UUID id = Keys.uuid();
        long limit = properties.maxFileSize().toBytes();
        if (file.size() != null && file.size() > limit) {
            return insert(id, bot, dialog, file, null, file.size())
                    .thenReturn(blockedText(bot, file));
        }
        return file.content()
                .flatMap(bytes -> bytes.length > limit
                        ? insert(id, bot, dialog, file, null, (long) bytes.length).thenReturn(blockedText(bot, file))
                        : store.put(Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(bytes)), limit)
                                .flatMap(stored -> insert(id, bot, dialog, file, stored, stored.size())
                                        .onErrorResume(error -> store.delete(stored.key()).then(Mono.error(error))))
                                .thenReturn("Файл: " + name(file) + " (" + size(bytes.length) + "), "
                                        + "/api/channel/files/" + id));
    }

    private Mono<Void> insert(UUID id, Bot bot, Dialog dialog, Inbound.File file, StoredFile stored, Long size) {
        return db.sql("""
                        INSERT INTO messenger_file (id, dialog_id, bot_id, platform_id, file_name, mime_type, size_bytes,
                            storage_key, sha256, blocked)
                        VALUES (:id, :dialog, :bot, :platformId, :name, :mime, :size, :key, :sha, :blocked)""")
                .bind("id", id)
                .bind("dialog", dialog.id())
                .bind("bot", bot.id())
                .bind("platformId", file.platformFileId())
                .bind("name", Parameter.fromOrEmpty(file.name(), String.class))
                .bind("mime", Parameter.fromOrEmpty(file.mimeType(), String.class))
                .bind("size", Parameter.fromOrEmpty(size, Long.class))
                .bind("key", Parameter.fromOrEmpty(stored == null ? null : stored.key(), String.class))
                .bind("sha", Parameter.fromOrEmpty(stored == null ? null : stored.sha256(), String.class))
                .bind("blocked", stored == null)
                .then();
    }

    private String blockedText(Bot bot, Inbound.File file) {
        return "Заблокированный файл (превышен размер " + size(properties.maxFileSize().toBytes()) + "): "
                + name(file) + (file.size() == null ? "" : ", " + size(file.size())) + ". Оригинал: "
                + bot.platform() + ", бот " + bot.id() + ", file id " + file.platformFileId();
    }

    private static String name(Inbound.File file) {
        return file.name() == null ? "без имени" : file.name();
    }

    private static String size(long bytes) {
        return bytes >= 1024 * 1024 ? String.format(java.util.Locale.ROOT, "%.1f МБ", bytes / 1048576.0)
                : bytes >= 1024 ? (bytes / 1024) + " КБ" : bytes + " Б";
    }
}
