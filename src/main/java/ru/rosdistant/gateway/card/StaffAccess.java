package ru.rosdistant.gateway.card;

import java.security.Principal;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.site.Site;
import ru.rosdistant.gateway.site.Sites;

/**
 * The line rule of {@link StaffScope} in SQL, for cards and dialogs, and the check the file downloads of
 * staff make (a file is personal data of the dialog's person: the same rule, and an audit entry).
 */
@Component
public class StaffAccess {

    private final DatabaseClient db;

    private final Sites sites;

    private final AgentDirectory agents;

    private final AccessAudit audit;

    StaffAccess(DatabaseClient db, Sites sites, AgentDirectory agents, AccessAudit audit) {
        this.db = db;
        this.sites = sites;
        this.agents = agents;
        this.audit = audit;
    }

    /**
     * Whether the card {@code alias} lies in the scope bound by {@link #bind}: the person has a dialog on one
     * of the lines (or assigned to the caller), a task there (or owned by the caller), or an offline form
     * from a site of those lines. A card merged away is seen where the card it went into is.
     */
    static String cardVisible(String alias) {
        return "(CAST(:scopeAll AS boolean)"
                + " OR EXISTS (SELECT 1 FROM dialog sd WHERE sd.card_id = coalesce(" + alias + ".merged_into, " + alias + ".id)"
                + " AND (sd.line_id = ANY(CAST(:scopeLines AS text[])) OR sd.agent_id = :scopeAgent))"
                + " OR EXISTS (SELECT 1 FROM task st WHERE st.card_id = coalesce(" + alias + ".merged_into, " + alias + ".id)"
                + " AND (st.line_id = ANY(CAST(:scopeLines AS text[])) OR st.owner_agent_id = :scopeAgent))"
                + " OR EXISTS (SELECT 1 FROM offline_form sf WHERE sf.card_id = coalesce(" + alias + ".merged_into, " + alias + ".id)"
                + " AND sf.site_id = ANY(CAST(:scopeSites AS text[]))))";
    }

    DatabaseClient.GenericExecuteSpec bind(DatabaseClient.GenericExecuteSpec spec, StaffScope scope) {
        String[] siteIds = sites.all().stream()
                .filter(site -> scope.coversLine(site.line()))
                .map(Site::id)
                .toArray(String[]::new);
        return spec.bind("scopeAll", scope.everything())
                .bind("scopeLines", scope.lines().toArray(String[]::new))
                .bind("scopeSites", siteIds)
                .bind("scopeAgent", scope.agentId());
    }

    /** Whether the dialog is on one of the scope's lines or assigned to the caller; false for no such dialog. */
    public Mono<Boolean> seesDialog(StaffScope scope, UUID dialogId) {
        return db.sql("SELECT line_id, agent_id FROM dialog WHERE id = :id")
                .bind("id", dialogId)
                .map(row -> scope.coversLine(row.get("line_id", String.class))
                        || Long.valueOf(scope.agentId()).equals(row.get("agent_id", Long.class)))
                .one()
                .defaultIfEmpty(false);
    }

    /**
     * Whether the logged-in member of staff may download a file of the dialog; a yes is written to the audit
     * record with the dialog's card. A no is to be answered 404, like a file that does not exist.
     */
    public Mono<Boolean> mayReadDialogFiles(Principal principal, UUID dialogId, String fileName) {
        return agents.current(principal)
                .map(StaffScope::of)
                .flatMap(scope -> seesDialog(scope, dialogId)
                        .flatMap(sees -> !sees ? Mono.just(false)
                                : auditFileRead(scope, dialogId, fileName).thenReturn(true)))
                .defaultIfEmpty(false);
    }

    private Mono<Void> auditFileRead(StaffScope scope, UUID dialogId, String fileName) {
        return db.sql("SELECT card_id FROM dialog WHERE id = :id")
                .bind("id", dialogId)
                .map(row -> Optional.ofNullable(row.get("card_id", UUID.class)))
                .one()
                .flatMap(card -> audit.record(scope.agentId(), "FILE_READ", card.map(List::of).orElse(List.of()),
                        null, "dialog " + dialogId + ", file " + fileName));
    }
}
