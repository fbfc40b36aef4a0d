package ru.rosdistant.gateway.email;

import java.security.Principal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.card.StaffAccess;
import ru.rosdistant.gateway.card.StaffScope;
import ru.rosdistant.gateway.files.Downloads;
import ru.rosdistant.gateway.files.FileStore;
import ru.rosdistant.gateway.web.ProblemAnswers;

/**
 * The files that went out with the answers of an e-mail dialog, for the staff who see the dialog (its line's, or the
 * agent it is assigned to): {@code GET /api/email/dialogs/{id}/answers/files} lists them per answer (its client id and,
 * once sent, its seq), {@code GET /api/email/reply-files/{fileId}} downloads one (an attachment, never inline; the read
 * is audited on the card). Anything the caller may not see is 404, like what does not exist.
 */
@RestController
class EmailReplyFileReads implements ProblemAnswers {

    /** The most files one listing returns (each answer carries at most max-reply-files of them). */
    static final int MAX_LISTED = 500;

    private final DatabaseClient db;

    private final AgentDirectory agents;

    private final StaffAccess access;

    private final FileStore store;

    EmailReplyFileReads(DatabaseClient db, AgentDirectory agents, StaffAccess access, FileStore store) {
        this.db = db;
        this.agents = agents;
        this.access = access;
        this.store = store;
    }

    @GetMapping("/api/email/dialogs/{id}/answers/files")
    @PreAuthorize("isAuthenticated()")
    Mono<List<Map<String, Object>>> answers(@PathVariable UUID id, Principal principal) {
        return agents.current(principal)
                .map(StaffScope::of)
                .filterWhen(scope -> access.seesDialog(scope, id))
                .filterWhen(scope -> isEmailDialog(id))
                .switchIfEmpty(Mono.error(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
                        "No e-mail dialog " + id + " you may see")))
                .flatMap(scope -> files(id));
    }

    private Mono<Boolean> isEmailDialog(UUID id) {
        return db.sql("SELECT channel = 'EMAIL' AS email FROM dialog WHERE id = :id")
                .bind("id", id)
                .map(row -> Boolean.TRUE.equals(row.get("email", Boolean.class)))
                .one()
                .defaultIfEmpty(false);
    }

    /** The answers' files in answer order (sent ones by seq, then those still waiting) and upload order. */
    private Mono<List<Map<String, Object>>> files(UUID dialogId) {
        return db.sql("""
                        SELECT f.client_msg_id, m.seq, f.id, f.file_name, f.mime_type, f.size_bytes
                        FROM email_reply_file f
                        LEFT JOIN message m ON m.dialog_id = f.dialog_id AND m.sender = 'AGENT'
                                           AND m.client_msg_id = f.client_msg_id
                        WHERE f.dialog_id = :dialog
                        ORDER BY m.seq NULLS LAST, f.client_msg_id, f.position
                        LIMIT :max""")
                .bind("dialog", dialogId)
                .bind("max", MAX_LISTED)
                .map(EmailReplyFileReads::row)
                .all()
                .collectList()
                .map(EmailReplyFileReads::byAnswer);
    }

    private record Row(String clientMsgId, Long seq, Map<String, Object> file) {
    }

    private static Row row(Readable row) {
        UUID id = row.get("id", UUID.class);
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("id", id);
        file.put("name", row.get("file_name", String.class));
        file.put("mimeType", row.get("mime_type", String.class));
        file.put("size", row.get("size_bytes", Long.class));
        file.put("url", "/api/email/reply-files/" + id);
        return new Row(row.get("client_msg_id", String.class), row.get("seq", Long.class), file);
    }

    private static List<Map<String, Object>> byAnswer(List<Row> rows) {
        Map<String, Map<String, Object>> answers = new LinkedHashMap<>();
        for (Row row : rows) {
            Map<String, Object> answer = answers.computeIfAbsent(row.clientMsgId(), cid -> {
                Map<String, Object> created = new LinkedHashMap<>();
                created.put("clientMsgId", cid);
                created.put("seq", row.seq());
                created.put("files", new ArrayList<Map<String, Object>>());
                return created;
            });
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> files = (List<Map<String, Object>>) answer.get("files");
            files.add(row.file());
        }
        return new ArrayList<>(answers.values());
    }

    @GetMapping("/api/email/reply-files/{fileId}")
    @PreAuthorize("isAuthenticated()")
    Mono<ResponseEntity<Flux<DataBuffer>>> download(@PathVariable UUID fileId, Principal principal) {
        return db.sql("SELECT dialog_id, file_name, size_bytes, storage_key FROM email_reply_file WHERE id = :id")
                .bind("id", fileId)
                .map(row -> new Stored(row.get("dialog_id", UUID.class), row.get("file_name", String.class),
                        row.get("size_bytes", Long.class), row.get("storage_key", String.class)))
                .one()
                .filterWhen(stored -> access.mayReadDialogFiles(principal, stored.dialogId(), stored.name()))
                .switchIfEmpty(Mono.error(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "No such file")))
                .map(stored -> ResponseEntity.ok()
                        .headers(Downloads.attachment(stored.name(), stored.size()))
                        .body(store.open(stored.key())));
    }

    private record Stored(UUID dialogId, String name, long size, String key) {
    }
}
