package ru.rosdistant.gateway.widget;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.Appended;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.Visitor;
import ru.rosdistant.gateway.files.FileProperties;
import ru.rosdistant.gateway.files.FileStore;
import ru.rosdistant.gateway.files.StoredFile;
import ru.rosdistant.gateway.shared.RandomIds;

/**
 * Files visitors attach in the widget: streamed into the {@link FileStore}, recorded in PostgreSQL with the
 * dialog (key, size, SHA-256), then shown by a visitor message with event {@code file} under the same client
 * id. Both steps are idempotent by that id, so a retried upload stores the file and the message once. A failed
 * upload leaves neither a row nor a file.
 */
@Component
class VisitorFiles {

    /** Regulation 4.2, requirement 2: larger files are not attached. */
    static final long MAX_BYTES = 16L * 1024 * 1024;

    private final DatabaseClient db;

    private final DialogManagement dialogs;

    private final FileStore store;

    private final FileProperties.Quotas quotas;

    private final Duration uploadTimeout;

    VisitorFiles(DatabaseClient db, DialogManagement dialogs, FileStore store, FileProperties properties) {
        this.db = db;
        this.dialogs = dialogs;
        this.store = store;
        this.quotas = properties.quota();
        this.uploadTimeout = properties.uploadTimeout();
    }

    record Upload(UUID dialogId, String clientMsgId, String name, String mimeType, String clientAddress) {
    }

    /** A stored file: in the store under {@code key}, or (by an earlier version, not moved yet) in {@code content}. */
    record Stored(String name, String mimeType, long size, String key, ByteBuffer content) {
    }

    /** How many bytes this upload may bring, and what to say when it brings more. */
    record Room(long bytes, String refusal) {
    }

    /** A quota is used up: 429 when it is the number of files, 413 when the bytes. */
    static final class QuotaExceeded extends RuntimeException {

        private final HttpStatus status;

        QuotaExceeded(HttpStatus status, String detail) {
            super(detail, null, false, false);
            this.status = status;
        }

        HttpStatus status() {
            return status;
        }
    }

    /** The message of an upload stored already (a retry), appended again: the body need not be read twice. */
    Mono<Appended> retried(Visitor visitor, Upload upload) {
        return db.sql("SELECT size_bytes FROM visitor_file WHERE dialog_id = :dialog AND client_msg_id = :client")
                .bind("dialog", upload.dialogId())
                .bind("client", upload.clientMsgId())
                .map(row -> row.get("size_bytes", Long.class))
                .one()
                .flatMap(size -> append(visitor, upload, size));
    }

    /** The room the quotas leave this upload; a {@link QuotaExceeded} error when one is used up. */
    Mono<Room> room(Visitor visitor, Upload upload) {
        return db.sql("""
                        SELECT (SELECT count(*) FROM visitor_file WHERE dialog_id = :dialog) AS dialog_files,
                               (SELECT coalesce(sum(size_bytes), 0) FROM visitor_file WHERE dialog_id = :dialog)::bigint
                                   AS dialog_bytes,
                               (SELECT count(*) FROM visitor_file WHERE visitor_id = :visitor
                                   AND created_at > now() - :window * interval '1 second')
                                   AS visitor_files,
                               (SELECT coalesce(sum(size_bytes), 0) FROM visitor_file WHERE visitor_id = :visitor
                                   AND created_at > now() - :window * interval '1 second')::bigint AS visitor_bytes,
                               (SELECT count(*) FROM visitor_file WHERE client_address = :address
                                   AND created_at > now() - :window * interval '1 second') AS address_files,
                               (SELECT coalesce(sum(size_bytes), 0) FROM visitor_file WHERE client_address = :address
                                   AND created_at > now() - :window * interval '1 second')::bigint AS address_bytes""")
                .bind("dialog", upload.dialogId())
                .bind("visitor", visitor.id())
                .bind("address", Parameter.fromOrEmpty(upload.clientAddress(), String.class))
                .bind("window", (double) quotas.window().toSeconds())
                .map(row -> new long[] { row.get("dialog_files", Long.class), row.get("dialog_bytes", Long.class),
                        row.get("visitor_files", Long.class), row.get("visitor_bytes", Long.class),
                        row.get("address_files", Long.class), row.get("address_bytes", Long.class) })
                .one()
                .flatMap(used -> room(used));
    }

    private Mono<Room> room(long[] used) {
        String within = "within " + hours(quotas.window());
        if (used[0] >= quotas.perDialog().files()) {
            return tooMany("This dialog has " + quotas.perDialog().files() + " files already, the most it takes");
        }
        if (used[2] >= quotas.perVisitor().files()) {
            return tooMany("This visitor has sent " + quotas.perVisitor().files() + " files " + within
                    + ", the most allowed; try again later");
        }
        if (used[4] >= quotas.perAddress().files()) {
            return tooMany(quotas.perAddress().files() + " files have come from this client address " + within
                    + ", the most allowed; try again later");
        }
        Room room = new Room(MAX_BYTES, "The file is larger than 16 MB (16,777,216 bytes) and is not accepted; "
                + "send a link to it instead");
        room = tighter(room, quotas.perDialog().bytes().toBytes() - used[1], "The files of this dialog would pass "
                + megabytes(quotas.perDialog().bytes().toBytes()) + " in all, the most it takes");
        room = tighter(room, quotas.perVisitor().bytes().toBytes() - used[3], "The files of this visitor would pass "
                + megabytes(quotas.perVisitor().bytes().toBytes()) + " " + within + ", the most allowed");
        room = tighter(room, quotas.perAddress().bytes().toBytes() - used[5], "The files from this client address "
                + "would pass " + megabytes(quotas.perAddress().bytes().toBytes()) + " " + within + ", the most allowed");
        return room.bytes() <= 0 ? Mono.error(new QuotaExceeded(HttpStatus.CONTENT_TOO_LARGE, room.refusal()))
                : Mono.just(room);
    }

    private static Room tighter(Room room, long left, String refusal) {
        return left < room.bytes() ? new Room(Math.max(0, left), refusal) : room;
    }

    private static <T> Mono<T> tooMany(String detail) {
        return Mono.error(new QuotaExceeded(HttpStatus.TOO_MANY_REQUESTS, detail));
    }

    /**
     * Streams the file into the store (at most {@code room} bytes), records it and appends the message that
     * shows it. Whatever fails after the file is stored removes the file, and the row if this upload wrote it.
     * Only the streaming is bounded in time ({@code gateway.files.upload-timeout}): a query in flight is never
     * cancelled (see docs/architecture.md).
     */
    Mono<Appended> attach(Visitor visitor, Upload upload, Flux<DataBuffer> content, long room) {
        UUID id = RandomIds.uuid();
        return store.put(content, room)
                .timeout(uploadTimeout)
                .flatMap(file -> insert(id, visitor, upload, file)
                        .flatMap(inserted -> append(visitor, upload, file.size())
                                .flatMap(appended -> inserted ? Mono.just(appended)
                                        : store.delete(file.key()).thenReturn(appended))
                                .onErrorResume(error -> (inserted ? deleteRow(id) : Mono.<Void>empty())
                                        .then(Mono.error(error))))
                        .onErrorResume(error -> store.delete(file.key()).then(Mono.error(error))));
    }

    private Mono<Appended> append(Visitor visitor, Upload upload, long size) {
        return dialogs.appendFileFromVisitor(visitor, upload.dialogId(), upload.clientMsgId(), upload.name(),
                "Файл: " + upload.name() + " (" + size(size) + ")");
    }

    /** Records the file; false when a concurrent upload with the same client id recorded it first. */
    private Mono<Boolean> insert(UUID id, Visitor visitor, Upload upload, StoredFile file) {
        return db.sql("""
                        INSERT INTO visitor_file (id, dialog_id, visitor_id, client_msg_id, file_name, mime_type,
                            size_bytes, storage_key, sha256, client_address)
                        VALUES (:id, :dialog, :visitor, :client, :name, :mime, :size, :key, :sha, :address)
                        ON CONFLICT (dialog_id, client_msg_id) DO NOTHING""")
                .bind("id", id)
                .bind("dialog", upload.dialogId())
                .bind("visitor", visitor.id())
                .bind("client", upload.clientMsgId())
                .bind("name", upload.name())
                .bind("mime", upload.mimeType())
                .bind("size", file.size())
                .bind("key", file.key())
                .bind("sha", file.sha256())
                .bind("address", Parameter.fromOrEmpty(upload.clientAddress(), String.class))
                .fetch()
                .rowsUpdated()
                .map(rows -> rows == 1);
    }

    private Mono<Void> deleteRow(UUID id) {
        return db.sql("DELETE FROM visitor_file WHERE id = :id")
                .bind("id", id)
                .then();
    }

    /** The file of a dialog's message; for a visitor only in their own dialog. */
    Mono<Stored> find(UUID dialogId, String clientMsgId, UUID visitorId) {
        return db.sql("SELECT file_name, mime_type, size_bytes, storage_key, "
                        + "CASE WHEN storage_key IS NULL THEN content END AS content FROM visitor_file "
                        + "WHERE dialog_id = :dialog AND client_msg_id = :client"
                        + (visitorId == null ? "" : " AND visitor_id = :visitor"))
                .bind("dialog", dialogId)
                .bind("client", clientMsgId)
                .bindValues(visitorId == null ? Map.of() : Map.of("visitor", visitorId))
                .map(row -> new Stored(row.get("file_name", String.class), row.get("mime_type", String.class),
                        row.get("size_bytes", Long.class), row.get("storage_key", String.class),
                        row.get("content", ByteBuffer.class)))
                .one();
    }

    /** The content of a stored file, from the store or (not moved yet) from its row. */
    Flux<DataBuffer> content(Stored stored) {
        return stored.key() != null ? store.open(stored.key())
                : Flux.just(org.springframework.core.io.buffer.DefaultDataBufferFactory.sharedInstance.wrap(stored.content()));
    }

    static String size(long bytes) {
        return bytes >= 1024 * 1024 ? String.format(Locale.ROOT, "%.1f МБ", bytes / 1048576.0)
                : bytes >= 1024 ? (bytes / 1024) + " КБ" : bytes + " Б";
    }

    private static String megabytes(long bytes) {
        return bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " MB" : bytes / 1024 + " KB";
    }

    private static String hours(Duration window) {
        return window.toHours() >= 1 && window.toMinutesPart() == 0 ? window.toHours() + " h" : window.toMinutes() + " min";
    }
}
