package ru.rosdistant.gateway.email;

import java.security.Principal;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.web.Paging;
import ru.rosdistant.gateway.web.ProblemAnswers;

/**
 * E-mail dialogs on the line's list: the waiting ones of the caller's lines (every line for an ADMIN), oldest first,
 * and taking one (it takes no live capacity; it is answered in the console like any dialog). Supervisors see the
 * mails that could not be parsed or were too large to download.
 */
@RestController
class EmailController implements ProblemAnswers {

    private static final int MAX_PAGE = 500;

    private final DatabaseClient db;

    private final AgentDirectory agents;

    private final DialogManagement dialogs;

    private final DialogQueries dialogQueries;

    EmailController(DatabaseClient db, AgentDirectory agents, DialogManagement dialogs, DialogQueries dialogQueries) {
        this.db = db;
        this.agents = agents;
        this.dialogs = dialogs;
        this.dialogQueries = dialogQueries;
    }

    /** The waiting e-mail dialogs of the caller's lines: {@code limit} (default 100, clamped to 1..500; {@link Paging}). */
    @GetMapping("/api/email/dialogs")
    @PreAuthorize("isAuthenticated()")
    Mono<ResponseEntity<List<Map<String, Object>>>> waiting(@RequestParam(required = false) String limit,
            Principal principal) {
        Paging paging = Paging.first(limit, 100, MAX_PAGE);
        return agents.current(principal)
                .flatMap(agent -> db.sql("""
                                SELECT d.id, d.line_id, d.site_id, d.queued_at, d.preview, e.mailbox, e.contact_address,
                                    e.subject, e.previous_dialog_id, e.bouncing_at IS NOT NULL AS bouncing
                                FROM dialog d JOIN email_dialog e ON e.dialog_id = d.id
                                WHERE d.state = 'WAITING' AND (CAST(:all AS boolean) OR d.line_id = ANY(:lines))
                                ORDER BY d.queued_at NULLS LAST, d.opened_at LIMIT :limit""")
                        .bind("all", agent.has(Role.ADMIN))
                        .bind("lines", agent.lines().toArray(String[]::new))
                        .bind("limit", paging.limit())
                        .map(row -> {
                            Map<String, Object> view = new LinkedHashMap<>();
                            view.put("dialogId", row.get("id", UUID.class));
                            view.put("lineId", row.get("line_id", String.class));
                            view.put("siteId", row.get("site_id", String.class));
                            view.put("mailbox", row.get("mailbox", String.class));
                            view.put("from", row.get("contact_address", String.class));
                            view.put("subject", row.get("subject", String.class));
                            view.put("preview", row.get("preview", String.class));
                            view.put("since", row.get("queued_at", OffsetDateTime.class));
                            view.put("previousDialogId", row.get("previous_dialog_id", UUID.class));
                            view.put("bouncing", row.get("bouncing", Boolean.class));
                            return view;
                        })
                        .all()
                        .collectList())
                .map(list -> paging.headers(ResponseEntity.ok()).body(list));
    }

    @PostMapping("/api/email/dialogs/{id}/take")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> take(@PathVariable UUID id, Principal principal) {
        return agents.current(principal)
                .flatMap(agent -> dialogQueries.find(id)
                        .filter(dialog -> "EMAIL".equals(dialog.channel()) && mayTake(agent, dialog.lineId()))
                        .switchIfEmpty(Mono.error(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
                                "No e-mail dialog " + id + " on your lines")))
                        .flatMap(dialog -> dialogs.takeAsynchronous(id, agent.id(), agent.displayName()))
                        .switchIfEmpty(Mono.error(() -> new IllegalStateException("The dialog is not waiting any more"))))
                .map(dialog -> Map.of("dialogId", dialog.id(), "state", dialog.state().name(), "agentId",
                        dialog.agentId()));
    }

    private static boolean mayTake(Agent agent, String line) {
        return agent.has(Role.ADMIN) || agent.serves(line);
    }

    /**
     * The mails a supervisor should know of, newest first: those that could not be read ({@code FAILED}), were too
     * large to download ({@code BLOCKED}), or wait past a bound of the hour ({@code LIMITED}, with {@code heldUntil}):
     * {@code limit} (default 100, clamped to 1..500; {@link Paging}).
     */
    @GetMapping("/api/supervisor/email/failed")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<List<Map<String, Object>>>> failed(@RequestParam(required = false) String limit) {
        Paging paging = Paging.first(limit, 100, MAX_PAGE);
        return db.sql("""
                        SELECT id, mailbox, uid_validity, uid, message_id, state, from_address, subject, reason,
                            raw_key, raw_size, dialog_id, received_at, held_until
                        FROM email_message WHERE state IN ('FAILED', 'BLOCKED', 'LIMITED') ORDER BY received_at DESC
                        LIMIT :limit""")
                .bind("limit", paging.limit())
                .map(row -> {
                    Map<String, Object> view = new LinkedHashMap<>();
                    view.put("id", row.get("id", UUID.class));
                    view.put("mailbox", row.get("mailbox", String.class));
                    view.put("uidValidity", row.get("uid_validity", Long.class));
                    view.put("uid", row.get("uid", Long.class));
                    view.put("messageId", row.get("message_id", String.class));
                    view.put("state", row.get("state", String.class));
                    view.put("dialogId", row.get("dialog_id", UUID.class));
                    view.put("from", row.get("from_address", String.class));
                    view.put("subject", row.get("subject", String.class));
                    view.put("reason", row.get("reason", String.class));
                    view.put("rawKept", row.get("raw_key", String.class) != null);
                    view.put("rawSize", row.get("raw_size", Long.class));
                    view.put("receivedAt", row.get("received_at", OffsetDateTime.class));
                    view.put("heldUntil", row.get("held_until", OffsetDateTime.class));
                    return view;
                })
                .all()
                .collectList()
                .map(list -> paging.headers(ResponseEntity.ok()).body(list));
    }
}
