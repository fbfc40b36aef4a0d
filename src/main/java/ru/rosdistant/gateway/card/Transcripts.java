package ru.rosdistant.gateway.card;

import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.mail.MailMessage;
import ru.rosdistant.gateway.mail.Mailer;
import ru.rosdistant.gateway.site.Sites;

/**
 * The transcript of a dialog as plain text: for the card, every message with its time and author, the forwards,
 * the triage and the appeal type, saved when the dialog closes; for the visitor's copy by mail, only what the
 * visitor saw. Plain text only, so whatever a visitor typed stays inert wherever it is shown.
 */
@Component
public class Transcripts {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd.MM.yyyy HH:mm:ss");

    /** The system events the widget shows its visitor (docs/protocol.md); any other is for staff only. */
    private static final String[] SHOWN_TO_VISITOR = { "waiting", "assigned", "closed", "forwarded", "requeued",
            "offline_offered" };

    private final DatabaseClient db;

    private final Mailer mailer;

    private final Sites sites;

    private final ZoneId zone;

    Transcripts(DatabaseClient db, Mailer mailer, Sites sites, CardProperties properties) {
        this.db = db;
        this.mailer = mailer;
        this.sites = sites;
        this.zone = properties.zone();
    }

    private record Head(UUID id, String siteId, String lineId, String channel, String state, OffsetDateTime openedAt,
            OffsetDateTime closedAt, String closedBy, String triage, String appealType, String requestNumber,
            String visitorName) {
    }

    private record Line(OffsetDateTime at, String text) {
    }

    /** The transcript's text, or empty when there is no such dialog. */
    public Mono<String> render(UUID dialogId) {
        Mono<Head> head = db.sql("""
                        SELECT d.id, d.site_id, d.line_id, d.channel, d.state, d.opened_at, d.closed_at, d.closed_by,
                               d.triage, d.appeal_type, d.request_number, v.name AS visitor_name
                        FROM dialog d JOIN visitor v ON v.id = d.visitor_id WHERE d.id = :id""")
                .bind("id", dialogId)
                .map(row -> new Head(row.get("id", UUID.class), row.get("site_id", String.class),
                        row.get("line_id", String.class), row.get("channel", String.class),
                        row.get("state", String.class), row.get("opened_at", OffsetDateTime.class),
                        row.get("closed_at", OffsetDateTime.class), row.get("closed_by", String.class),
                        row.get("triage", String.class), row.get("appeal_type", String.class),
                        row.get("request_number", String.class), row.get("visitor_name", String.class)))
                .one();
        Mono<List<Line>> messages = db.sql("""
                        SELECT created_at, sender, author_name, event, body FROM message
                        WHERE dialog_id = :id ORDER BY seq""")
                .bind("id", dialogId)
                .map(Transcripts::messageLine)
                .all()
                .collectList();
        Mono<List<Line>> forwards = db.sql("""
                        SELECT f.created_at, f.kind, f.triage, f.to_line_id, f.note, fa.display_name AS from_name,
                               ta.display_name AS to_name
                        FROM dialog_forward f
                        LEFT JOIN agent fa ON fa.id = f.from_agent_id
                        LEFT JOIN agent ta ON ta.id = f.to_agent_id
                        WHERE f.dialog_id = :id ORDER BY f.created_at, f.id""")
                .bind("id", dialogId)
                .map(Transcripts::forwardLine)
                .all()
                .collectList();
        return head.flatMap(h -> Mono.zip(messages, forwards).map(both -> text(h, both.getT1(), both.getT2())));
    }

    /**
     * Queues a copy of a closed dialog's transcript to the visitor's e-mail, once per dialog and address: only
     * what the visitor saw in the widget ({@link #renderForVisitor}).
     */
    public Mono<Void> mailCopy(UUID dialogId, String email) {
        return renderForVisitor(dialogId).flatMap(text -> mailer.enqueue("transcript:" + dialogId + ":" + email,
                new MailMessage(email, null, "Стенограмма вашего обращения в Росдистант", """
                        Здравствуйте!

                        По вашей просьбе высылаем стенограмму диалога с консультантом.

                        """ + text + "\n\nЭто письмо отправлено автоматически; на него не нужно отвечать.\n")));
    }

    /**
     * The dialog as its visitor saw it: their messages, the agents' (under the name the widget showed) and the
     * system events the widget shows, nothing else; no forward notes, triage, appeal type, line, notices for
     * staff. Empty when there is no such dialog.
     */
    public Mono<String> renderForVisitor(UUID dialogId) {
        Mono<String> head = db.sql("SELECT site_id, opened_at, closed_at FROM dialog WHERE id = :id")
                .bind("id", dialogId)
                .map(row -> {
                    String site = sites.site(row.get("site_id", String.class)).map(s -> s.name()).orElse("");
                    OffsetDateTime closed = row.get("closed_at", OffsetDateTime.class);
                    return "Диалог на сайте «" + site + "»\nНачат: " + time(row.get("opened_at", OffsetDateTime.class))
                            + (closed == null ? "" : "; завершён: " + time(closed)) + "\n";
                })
                .one();
        Mono<List<Line>> messages = db.sql("""
                        SELECT created_at, sender, author_name, event, body FROM message
                        WHERE dialog_id = :id AND (sender <> 'SYSTEM' OR event = ANY(:shown)) ORDER BY seq""")
                .bind("id", dialogId)
                .bind("shown", SHOWN_TO_VISITOR)
                .map(Transcripts::messageLine)
                .all()
                .collectList();
        return head.zipWith(messages, (top, lines) -> {
            StringBuilder out = new StringBuilder(top).append("\nСообщения:\n");
            lines.forEach(line -> out.append('[').append(time(line.at())).append("] ").append(line.text()).append('\n'));
            return out.toString();
        });
    }

    /** Saves (or rewrites) the transcript of a closed dialog on the card. */
    Mono<Void> save(UUID dialogId, UUID cardId) {
        return render(dialogId).flatMap(text -> db.sql("""
                        INSERT INTO transcript (dialog_id, card_id, appeal_type, body)
                        SELECT :dialog, :card, appeal_type, :body FROM dialog WHERE id = :dialog
                        ON CONFLICT (dialog_id) DO UPDATE SET card_id = excluded.card_id,
                            appeal_type = excluded.appeal_type, body = excluded.body, updated_at = now()""")
                .bind("dialog", dialogId)
                .bind("card", cardId)
                .bind("body", text)
                .then());
    }

    private String text(Head head, List<Line> messages, List<Line> forwards) {
        StringBuilder out = new StringBuilder();
        String site = sites.site(head.siteId()).map(s -> s.name()).orElse(head.siteId());
        out.append("Диалог ").append(head.id()).append('\n')
                .append("Канал: ").append(head.channel()).append("; сайт: ").append(site)
                .append("; линия: ").append(head.lineId()).append('\n')
                .append("Открыт: ").append(time(head.openedAt()));
        if (head.closedAt() != null) {
            out.append("; закрыт: ").append(time(head.closedAt())).append(" (")
                    .append(closedBy(head.closedBy())).append(')');
        }
        out.append('\n');
        if (head.visitorName() != null) {
            out.append("Посетитель: ").append(head.visitorName()).append('\n');
        }
        out.append("Тип обращения: ").append(appealType(head.appealType()));
        if (head.requestNumber() != null) {
            out.append("; номер: ").append(head.requestNumber());
        }
        out.append('\n');
        if (head.triage() != null) {
            out.append("Разбор диспетчера: ").append(head.triage()).append('\n');
        }
        if (!forwards.isEmpty()) {
            out.append("\nПередачи:\n");
            forwards.forEach(line -> out.append('[').append(time(line.at())).append("] ").append(line.text())
                    .append('\n'));
        }
        out.append("\nСообщения:\n");
        messages.forEach(line -> out.append('[').append(time(line.at())).append("] ").append(line.text())
                .append('\n'));
        return out.toString();
    }

    private static Line messageLine(Readable row) {
        String sender = row.get("sender", String.class);
        String author = row.get("author_name", String.class);
        String who = switch (sender) {
            case "VISITOR" -> "Посетитель";
            case "AGENT" -> "Оператор" + (author == null ? "" : " " + author);
            default -> "Система";
        };
        return new Line(row.get("created_at", OffsetDateTime.class), who + ": " + row.get("body", String.class));
    }

    private static Line forwardLine(Readable row) {
        String from = row.get("from_name", String.class);
        String to = row.get("to_name", String.class);
        String toLine = row.get("to_line_id", String.class);
        String note = row.get("note", String.class);
        StringBuilder text = new StringBuilder();
        if ("TRIAGE".equals(row.get("kind", String.class))) {
            text.append("Разбор: ").append(row.get("triage", String.class));
        }
        else {
            text.append("Передан");
        }
        if (from != null) {
            text.append(" (").append(from).append(')');
        }
        if (to != null) {
            text.append(" → ").append(to);
        }
        else if (toLine != null) {
            text.append(" → линия ").append(toLine);
        }
        if (note != null && !note.isBlank()) {
            text.append("; заметка: ").append(note);
        }
        return new Line(row.get("created_at", OffsetDateTime.class), text.toString());
    }

    private String time(OffsetDateTime at) {
        return at == null ? "—" : at.atZoneSameInstant(zone).format(TIME);
    }

    private static String closedBy(String by) {
        return by == null ? "—" : switch (by) {
            case "VISITOR" -> "посетителем";
            case "AGENT" -> "оператором";
            default -> "системой";
        };
    }

    private static String appealType(String type) {
        return type == null ? "не указан" : switch (type) {
            case "CONSULTATION" -> "консультация";
            case "SERVICE_REQUEST" -> "заявка на обслуживание";
            case "COMPLAINT" -> "жалоба";
            case "CHANGE_REQUEST" -> "запрос на изменение";
            default -> type;
        };
    }
}
