package ru.rosdistant.gateway.task;

import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.ComplaintAddressee;

/**
 * Whom a dialog's complaint goes to (regulation 4.3.2c, 3: a student's to the head of student affairs, anyone
 * else's to the director of the marketing centre), decided from all the evidence of who the person is, in this
 * order: the kind of their card, the dispatcher's triage, the line the dialog is on, the site it came from. The
 * agent sees the choice at close and may change it; their choice, once given, wins.
 */
@Component
public class ComplaintAddressees {

    /** The addressee and the evidence it was chosen by ({@code AGENT}, {@code CARD}, {@code TRIAGE}, {@code LINE},
     * {@code SITE} or {@code DEFAULT}). */
    public record Choice(UUID dialogId, String lineId, Long agentId, ComplaintAddressee addressee, String by) {

        public String label() {
            return addressee.dative();
        }
    }

    private final DatabaseClient db;

    private final TaskProperties properties;

    ComplaintAddressees(DatabaseClient db, TaskProperties properties) {
        this.db = db;
        this.properties = properties;
    }

    /** The addressee of the dialog's complaint; empty when there is no such dialog. */
    public Mono<Choice> of(UUID dialogId) {
        return db.sql("""
                        SELECT d.id, d.line_id, d.agent_id, d.site_id, d.triage, d.complaint_addressee, c.contact_type
                        FROM dialog d LEFT JOIN card c ON c.id = d.card_id
                        WHERE d.id = :id""")
                .bind("id", dialogId)
                .map(row -> decide(dialogId, row.get("line_id", String.class), row.get("agent_id", Long.class),
                        row.get("site_id", String.class), row.get("triage", String.class),
                        row.get("complaint_addressee", String.class), row.get("contact_type", String.class)))
                .one();
    }

    /** The addressee of an offline appeal's complaint, by the same evidence (no agent's choice); empty: no appeal. */
    public Mono<Choice> ofAppeal(UUID appealId) {
        return db.sql("""
                        SELECT o.line_id, o.agent_id, o.site_id, o.triage, c.contact_type
                        FROM offline_appeal o LEFT JOIN card c ON c.id = o.card_id
                        WHERE o.id = :id""")
                .bind("id", appealId)
                .map(row -> decide(appealId, row.get("line_id", String.class), row.get("agent_id", Long.class),
                        row.get("site_id", String.class), row.get("triage", String.class), null,
                        row.get("contact_type", String.class)))
                .one();
    }

    private Choice decide(UUID dialogId, String line, Long agentId, String site, String triage, String chosen,
            String contactType) {
        if (chosen != null) {
            return new Choice(dialogId, line, agentId, ComplaintAddressee.valueOf(chosen), "AGENT");
        }
        if (contactType != null) {
            return new Choice(dialogId, line, agentId, student("STUDENT".equals(contactType)), "CARD");
        }
        if (triage != null && !"SPAM".equals(triage)) {
            return new Choice(dialogId, line, agentId, student("STUDENT".equals(triage)), "TRIAGE");
        }
        if (properties.studentLines().contains(line)) {
            return new Choice(dialogId, line, agentId, ComplaintAddressee.HEAD_OF_STUDENT_AFFAIRS, "LINE");
        }
        if (properties.studentSites().contains(site)) {
            return new Choice(dialogId, line, agentId, ComplaintAddressee.HEAD_OF_STUDENT_AFFAIRS, "SITE");
        }
        return new Choice(dialogId, line, agentId, ComplaintAddressee.MARKETING_DIRECTOR, "DEFAULT");
    }

    private static ComplaintAddressee student(boolean student) {
        return student ? ComplaintAddressee.HEAD_OF_STUDENT_AFFAIRS : ComplaintAddressee.MARKETING_DIRECTOR;
    }
}
