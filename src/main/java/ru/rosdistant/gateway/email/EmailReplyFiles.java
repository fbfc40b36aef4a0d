package ru.rosdistant.gateway.email;

import java.security.Principal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.files.FileProperties;
import ru.rosdistant.gateway.files.FileStore;
import ru.rosdistant.gateway.files.FileTooLargeException;
import ru.rosdistant.gateway.files.NoUploadSlotException;
import ru.rosdistant.gateway.files.StoredFile;
import ru.rosdistant.gateway.files.UploadSlots;
import ru.rosdistant.gateway.shared.RandomIds;
import ru.rosdistant.gateway.web.ClientAddress;
import ru.rosdistant.gateway.web.ProblemAnswers;

/**
 * Files an agent attaches to an answer in an e-mail dialog: {@code POST
 * /api/email/dialogs/{id}/answers/{clientMsgId}/files?name=} with the file as the body, before the answer itself is
 * sent (over the console's socket or any other way) with the same client id. The answer's mail then carries them as
 * MIME attachments. Only the agent the dialog is assigned to may attach; at most {@code max-reply-files} files and
 * {@code max-reply-attachments} bytes per answer (413 beyond, nothing kept); a name is stored once per answer, so a
 * retried upload stores nothing new; an answer already sent takes no more files (409).
 */
@RestController
class EmailReplyFiles implements ProblemAnswers {

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final AgentDirectory agents;

    private final DialogQueries dialogs;

    private final FileStore store;

    private final UploadSlots slots;

    private final EmailChannel channel;

    private final Duration uploadTimeout;

    EmailReplyFiles(DatabaseClient db, TransactionalOperator tx, AgentDirectory agents, DialogQueries dialogs,
            FileStore store, UploadSlots slots, EmailChannel channel, FileProperties files) {
        this.db = db;
        this.tx = tx;
        this.agents = agents;
        this.dialogs = dialogs;
        this.store = store;
        this.slots = slots;
        this.channel = channel;
        this.uploadTimeout = files.uploadTimeout();
    }

    /** One answer's files are over a bound: 413, and the upload is not kept. */
    static final class TooLarge extends RuntimeException {

        TooLarge(String detail) {
            super(detail, null, false, false);
        }
    }

    /** The dialog is not the caller's e-mail dialog (404), or the answer is sent or the dialog closed (409). */
    static final class Refused extends RuntimeException {

        private final HttpStatus status;

        Refused(HttpStatus status, String detail) {
            super(detail, null, false, false);
            this.status = status;
        }
    }

    @PostMapping("/api/email/dialogs/{id}/answers/{clientMsgId}/files")
    @PreAuthorize("isAuthenticated()")
    Mono<ResponseEntity<Object>> attach(@PathVariable UUID id, @PathVariable String clientMsgId,
            @RequestParam String name, ServerHttpRequest request, Principal principal) {
        String fileName = cleanName(name);
        if (clientMsgId.isEmpty() || clientMsgId.length() > 64 || fileName == null) {
            return Mono.just(problem(HttpStatus.BAD_REQUEST, "clientMsgId (1-64 characters) and name (1-255 "
                    + "characters, no control characters) are required"));
        }
        long limit = channel.properties().maxReplyAttachments().toBytes();
        long declared = request.getHeaders().getContentLength();
        if (declared > limit) {
            return Mono.just(problem(HttpStatus.CONTENT_TOO_LARGE, tooLarge(limit)));
        }
        String type = request.getHeaders().getContentType() == null ? "application/octet-stream"
                : request.getHeaders().getContentType().toString();
        String mimeType = type.length() > 255 ? "application/octet-stream" : type;
        return agents.current(principal)
                .flatMap(agent -> ownDialog(agent, id)
                        .then(existing(id, clientMsgId, fileName))
                        .switchIfEmpty(Mono.defer(() -> room(id, clientMsgId)
                                .flatMap(room -> slots.within(ClientAddress.of(request),
                                        store.put(request.getBody(), room)
                                                .timeout(uploadTimeout)
                                                .onErrorMap(FileTooLargeException.class,
                                                        ex -> new TooLarge(tooLarge(limit)))
                                                .flatMap(file -> record(agent, id, clientMsgId, fileName, mimeType,
                                                        file)))))))
                .map(view -> ResponseEntity.status(HttpStatus.CREATED).<Object>body(view))
                .onErrorResume(TooLarge.class, ex -> Mono.just(problem(HttpStatus.CONTENT_TOO_LARGE,
                        ex.getMessage())))
                .onErrorResume(Refused.class, ex -> Mono.just(problem(ex.status, ex.getMessage())))
                .onErrorResume(NoUploadSlotException.class, ex -> Mono.just(problem(HttpStatus.SERVICE_UNAVAILABLE,
                        ex.getMessage())))
                .onErrorResume(TimeoutException.class, ex -> Mono.just(problem(HttpStatus.REQUEST_TIMEOUT,
                        "The upload took longer than " + uploadTimeout.toSeconds() + " s and was dropped")));
    }

    private String tooLarge(long limit) {
        return "The files of one answer may be " + EmailThreads.size(limit) + " (" + limit + " bytes) in all; "
                + "this one would pass that";
    }

    private Mono<Dialog> ownDialog(Agent agent, UUID id) {
        return dialogs.find(id)
                .filter(dialog -> "EMAIL".equals(dialog.channel()) && Long.valueOf(agent.id()).equals(dialog.agentId()))
                .switchIfEmpty(Mono.error(() -> new Refused(HttpStatus.NOT_FOUND, "No e-mail dialog " + id
                        + " assigned to you")))
                .filter(dialog -> !dialog.isClosed())
                .switchIfEmpty(Mono.error(() -> new Refused(HttpStatus.CONFLICT, "The dialog is closed")));
    }

    /** A file of this name in this answer already (a retried upload): its view, nothing stored again. */
    private Mono<Map<String, Object>> existing(UUID dialogId, String clientMsgId, String name) {
        return db.sql("SELECT id, file_name, mime_type, size_bytes FROM email_reply_file WHERE dialog_id = :dialog "
                        + "AND client_msg_id = :client AND file_name = :name")
                .bind("dialog", dialogId)
                .bind("client", clientMsgId)
                .bind("name", name)
                .map(row -> view(row.get("id", UUID.class), row.get("file_name", String.class),
                        row.get("mime_type", String.class), row.get("size_bytes", Long.class)))
                .one();
    }

    /** The bytes this upload may bring: what the answer's files leave of the bound; refused when none. */
    private Mono<Long> room(UUID dialogId, String clientMsgId) {
        long limit = channel.properties().maxReplyAttachments().toBytes();
        int maxFiles = channel.properties().maxReplyFiles();
        return db.sql("""
                        SELECT count(*) AS files, coalesce(sum(size_bytes), 0)::bigint AS bytes,
                            EXISTS (SELECT 1 FROM message WHERE dialog_id = :dialog AND sender = 'AGENT'
                                    AND client_msg_id = :client) AS sent
                        FROM email_reply_file WHERE dialog_id = :dialog AND client_msg_id = :client""")
                .bind("dialog", dialogId)
                .bind("client", clientMsgId)
                .map(row -> new long[] {row.get("files", Long.class), row.get("bytes", Long.class),
                        Boolean.TRUE.equals(row.get("sent", Boolean.class)) ? 1 : 0})
                .one()
                .flatMap(used -> {
                    if (used[2] == 1) {
                        return Mono.error(new Refused(HttpStatus.CONFLICT, "This answer has been sent; attach files "
                                + "to a new one"));
                    }
                    if (used[0] >= maxFiles) {
                        return Mono.error(new TooLarge("An answer carries at most " + maxFiles + " files"));
                    }
                    if (used[1] >= limit) {
                        return Mono.error(new TooLarge(tooLarge(limit)));
                    }
                    return Mono.just(limit - used[1]);
                });
    }

    /**
     * Records the stored file, checking the bounds again in the same transaction under a lock of the answer, so that
     * two uploads at once cannot pass them together; a refused or failed record deletes the stored content.
     */
    private Mono<Map<String, Object>> record(Agent agent, UUID dialogId, String clientMsgId, String name,
            String mimeType, StoredFile file) {
        UUID id = RandomIds.uuid();
        long limit = channel.properties().maxReplyAttachments().toBytes();
        return db.sql("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
                .bind("key", "email-reply-files:" + dialogId + ":" + clientMsgId)
                .then()
                .then(db.sql("""
                                INSERT INTO email_reply_file (id, dialog_id, client_msg_id, position, file_name,
                                    mime_type, size_bytes, storage_key, sha256, agent_id)
                                SELECT :id, :dialog, :client, count(*), :name, :mime, :size, :key, :sha, :agent
                                FROM email_reply_file WHERE dialog_id = :dialog AND client_msg_id = :client
                                HAVING count(*) < :maxFiles AND coalesce(sum(size_bytes), 0) + :size <= :limit
                                ON CONFLICT DO NOTHING""")
                        .bind("id", id)
                        .bind("dialog", dialogId)
                        .bind("client", clientMsgId)
                        .bind("name", name)
                        .bind("mime", mimeType)
                        .bind("size", file.size())
                        .bind("key", file.key())
                        .bind("sha", file.sha256())
                        .bind("agent", agent.id())
                        .bind("maxFiles", channel.properties().maxReplyFiles())
                        .bind("limit", limit)
                        .fetch()
                        .rowsUpdated())
                .as(tx::transactional)
                .flatMap(inserted -> inserted > 0 ? Mono.just(view(id, name, mimeType, file.size()))
                        : store.delete(file.key())
                                .then(existing(dialogId, clientMsgId, name))
                                .switchIfEmpty(Mono.error(() -> new TooLarge(tooLarge(limit)))))
                .onErrorResume(error -> !(error instanceof TooLarge), error -> store.delete(file.key())
                        .onErrorResume(ignored -> Mono.empty())
                        .then(Mono.error(error)));
    }

    private static Map<String, Object> view(UUID id, String name, String mimeType, long size) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", id);
        view.put("name", name);
        view.put("mimeType", mimeType);
        view.put("size", size);
        return view;
    }

    private static ResponseEntity<Object> problem(HttpStatus status, String detail) {
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(ProblemDetail.forStatusAndDetail(status, detail));
    }

    /** The name as a file name: the last path segment, control characters refused, 1–255 characters. */
    static String cleanName(String name) {
        if (name == null) {
            return null;
        }
        String last = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1).strip();
        if (last.isEmpty() || last.length() > 255 || last.chars().anyMatch(Character::isISOControl)) {
            return null;
        }
        return last;
    }
}
