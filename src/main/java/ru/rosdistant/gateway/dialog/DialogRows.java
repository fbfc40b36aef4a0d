package ru.rosdistant.gateway.dialog;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

import io.r2dbc.spi.Readable;

/** How dialogs and messages are read from their rows: the columns and the mapping, shared by reads and writes. */
final class DialogRows {

    /** card_name: null while the card has only the placeholder name of an anonymous lead (card.CardBinding) */
    static final String DIALOG_COLUMNS = """
            d.id, d.visitor_id, d.site_id, d.line_id, d.channel, d.state, d.agent_id, a.display_name AS agent_name,
            v.name AS visitor_name, d.last_seq, d.opened_at, d.assigned_at, d.closed_at, d.closed_by,
            d.forward_note, d.forwarded_by, d.forwarded_at, d.triage, d.appeal_type, d.request_number,
            CASE WHEN c.name LIKE 'Посетитель: %' OR c.name = 'Посетитель сайта' THEN NULL ELSE c.name END
                AS card_name, d.preview, d.waiting_since, d.visitor_count - coalesce(r.read_count, 0) AS unread
            FROM dialog d JOIN visitor v ON v.id = d.visitor_id LEFT JOIN agent a ON a.id = d.agent_id
            LEFT JOIN card c ON c.id = d.card_id
            LEFT JOIN dialog_read r ON r.dialog_id = d.id AND r.agent_id = d.agent_id""";

    static final String MESSAGE_COLUMNS =
            "dialog_id, seq, sender, agent_id, author_name, client_msg_id, event, body, created_at";


    /**
     * The dialogs of the live path: e-mail dialogs are asynchronous (an agent takes one from the line's list), so
     * they take none of an agent's live capacity and routing never offers them.
     */
    static final String NOT_EMAIL = "channel <> 'EMAIL'";

    private DialogRows() {
    }

    static Dialog dialog(Readable row) {
        String closedBy = row.get("closed_by", String.class);
        Instant forwardedAt = instant(row, "forwarded_at");
        Dialog.Forward forward = forwardedAt == null ? null
                : new Dialog.Forward(row.get("forwarded_by", String.class), row.get("forward_note", String.class),
                        forwardedAt);
        String triage = row.get("triage", String.class);
        String appealType = row.get("appeal_type", String.class);
        return new Dialog(row.get("id", UUID.class), row.get("visitor_id", UUID.class),
                row.get("site_id", String.class), row.get("line_id", String.class), row.get("channel", String.class),
                DialogState.valueOf(row.get("state", String.class)), row.get("agent_id", Long.class),
                row.get("agent_name", String.class), row.get("visitor_name", String.class),
                row.get("last_seq", Long.class), instant(row, "opened_at"), instant(row, "assigned_at"),
                instant(row, "closed_at"), closedBy == null ? null : Sender.valueOf(closedBy), forward,
                triage == null ? null : Triage.valueOf(triage),
                appealType == null ? null : AppealType.valueOf(appealType), row.get("request_number", String.class),
                new Dialog.Inbox(row.get("card_name", String.class), row.get("preview", String.class),
                        instant(row, "waiting_since"), Math.max(0, row.get("unread", Long.class))));
    }

    static Message message(Readable row) {
        return new Message(row.get("dialog_id", UUID.class), row.get("seq", Long.class),
                Sender.valueOf(row.get("sender", String.class)), row.get("agent_id", Long.class),
                row.get("author_name", String.class), row.get("client_msg_id", String.class),
                row.get("event", String.class), row.get("body", String.class), instant(row, "created_at"));
    }

    static Instant instant(Readable row, String column) {
        OffsetDateTime time = row.get(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }
}
