package ru.rosdistant.gateway.widget;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.Appended;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.Visitor;
import ru.rosdistant.gateway.ids.RandomIds;

/**
 * Files visitors attach in the widget: stored in PostgreSQL with the dialog, then shown by a visitor message
 * with event {@code file} under the same client id. Both steps are idempotent by that id, so a retried upload
 * stores the file and the message once.
 */
@Component
class VisitorFiles {

    /** Regulation 4.2, requirement 2: larger files are not attached. */
    static final long MAX_BYTES = 16L * 1024 * 1024;

    private final DatabaseClient db;

    private final DialogManagement dialogs;

    VisitorFiles(DatabaseClient db, DialogManagement dialogs) {
        this.db = db;
        this.dialogs = dialogs;
    }

    record Upload(UUID dialogId, String clientMsgId, String name, String mimeType, byte[] content) {
    }

    record Stored(String name, String mimeType, ByteBuffer content) {
    }

    /** Stores the file on the visitor's own open dialog and appends the message that shows it. */
    Mono<Appended> attach(Visitor visitor, Upload upload) {
        return insert(visitor, upload)
                .then(dialogs.appendFileFromVisitor(visitor, upload.dialogId(), upload.clientMsgId(),
                        upload.name(), "Файл: " + upload.name() + " (" + size(upload.content().length) + ")"));
    }

    private Mono<Void> insert(Visitor visitor, Upload upload) {
        return db.sql("""
                        INSERT INTO visitor_file (id, dialog_id, visitor_id, client_msg_id, file_name, mime_type,
                            size_bytes, content)
                        VALUES (:id, :dialog, :visitor, :client, :name, :mime, :size, :content)
                        ON CONFLICT (dialog_id, client_msg_id) DO NOTHING""")
                .bind("id", RandomIds.uuid())
                .bind("dialog", upload.dialogId())
                .bind("visitor", visitor.id())
                .bind("client", upload.clientMsgId())
                .bind("name", upload.name())
                .bind("mime", upload.mimeType())
                .bind("size", (long) upload.content().length)
                .bind("content", ByteBuffer.wrap(upload.content()))
                .then();
    }

    /** The file of a dialog's message; for a visitor only in their own dialog. */
    Mono<Stored> find(UUID dialogId, String clientMsgId, UUID visitorId) {
        return db.sql("SELECT file_name, mime_type, content FROM visitor_file WHERE dialog_id = :dialog "
                        + "AND client_msg_id = :client" + (visitorId == null ? "" : " AND visitor_id = :visitor"))
                .bind("dialog", dialogId)
                .bind("client", clientMsgId)
                .bindValues(visitorId == null ? java.util.Map.of() : java.util.Map.of("visitor", visitorId))
                .map(row -> new Stored(row.get("file_name", String.class), row.get("mime_type", String.class),
                        row.get("content", ByteBuffer.class)))
                .one();
    }

    static String size(long bytes) {
        return bytes >= 1024 * 1024 ? String.format(Locale.ROOT, "%.1f МБ", bytes / 1048576.0)
                : bytes >= 1024 ? (bytes / 1024) + " КБ" : bytes + " Б";
    }
}
