package ru.rosdistant.gateway.canned;

import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.Locale;
import java.util.regex.Pattern;

import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.site.Sites;

/** The canned answers of each line: read by agents, kept by supervisors. */
@Component
public class CannedAnswers {

    public static final int MAX_TEXT = 4000;

    public static final int MAX_TITLE = 200;

    private static final Pattern SHORTCUT = Pattern.compile("/[\\p{L}\\p{N}_-]{1,32}");

    private static final String COLUMNS = "id, line_id, title, text, shortcut, created_by, updated_at";

    private final DatabaseClient db;

    private final Sites sites;

    CannedAnswers(DatabaseClient db, Sites sites) {
        this.db = db;
        this.sites = sites;
    }

    /** What a supervisor sends to create or replace an answer; every field is required. */
    public record Draft(String line, String title, String text, String shortcut) {
    }

    /** The answers of the given lines (all lines when {@code lines} is null), by line and shortcut. */
    public Flux<CannedAnswer> of(Collection<String> lines) {
        return db.sql("SELECT " + COLUMNS + " FROM canned_answer WHERE (:all OR line_id = ANY(:lines)) "
                        + "ORDER BY line_id, shortcut LIMIT 2000")
                .bind("all", lines == null)
                .bind("lines", lines == null ? new String[0] : lines.toArray(String[]::new))
                .map(CannedAnswers::answer)
                .all();
    }

    public Mono<CannedAnswer> create(Draft draft, long agentId) {
        return checked(draft).flatMap(valid -> db.sql("INSERT INTO canned_answer (line_id, title, text, shortcut, "
                                + "created_by) VALUES (:line, :title, :text, :shortcut, :agent) RETURNING " + COLUMNS)
                        .bind("line", valid.line())
                        .bind("title", valid.title())
                        .bind("text", valid.text())
                        .bind("shortcut", valid.shortcut())
                        .bind("agent", agentId)
                        .map(CannedAnswers::answer)
                        .one())
                .onErrorMap(CannedAnswers::isDuplicate, error -> taken(draft));
    }

    /** Replaces the answer; empty when there is no such answer. */
    public Mono<CannedAnswer> update(long id, Draft draft) {
        return checked(draft).flatMap(valid -> db.sql("UPDATE canned_answer SET line_id = :line, title = :title, "
                                + "text = :text, shortcut = :shortcut, updated_at = now() WHERE id = :id RETURNING "
                                + COLUMNS)
                        .bind("id", id)
                        .bind("line", valid.line())
                        .bind("title", valid.title())
                        .bind("text", valid.text())
                        .bind("shortcut", valid.shortcut())
                        .map(CannedAnswers::answer)
                        .one())
                .onErrorMap(CannedAnswers::isDuplicate, error -> taken(draft));
    }

    /** Deletes the answer; false when there was none. */
    public Mono<Boolean> delete(long id) {
        return db.sql("DELETE FROM canned_answer WHERE id = :id").bind("id", id).fetch().rowsUpdated()
                .map(rows -> rows > 0);
    }

    /** Whether the line is configured. */
    public boolean knownLine(String line) {
        return line != null && sites.line(line).isPresent();
    }

    /** The draft stripped and its shortcut in lower case, or an {@link IllegalArgumentException} naming the field. */
    private Mono<Draft> checked(Draft draft) {
        if (draft == null) {
            return Mono.error(new IllegalArgumentException("The body must be a JSON object with line, title, text "
                    + "and shortcut"));
        }
        String line = draft.line() == null ? null : draft.line().strip();
        if (line == null || line.isEmpty()) {
            return Mono.error(new IllegalArgumentException("line: required, the id of a line"));
        }
        if (!knownLine(line)) {
            return Mono.error(new IllegalArgumentException("line: no line '" + line + "'"));
        }
        String title = draft.title() == null ? "" : draft.title().strip();
        if (title.isEmpty() || title.length() > MAX_TITLE) {
            return Mono.error(new IllegalArgumentException("title: 1 to " + MAX_TITLE + " characters"));
        }
        String text = draft.text() == null ? "" : draft.text().strip();
        if (text.isEmpty() || text.length() > MAX_TEXT) {
            return Mono.error(new IllegalArgumentException("text: 1 to " + MAX_TEXT + " characters"));
        }
        String shortcut = draft.shortcut() == null ? "" : draft.shortcut().strip().toLowerCase(Locale.ROOT);
        if (!SHORTCUT.matcher(shortcut).matches()) {
            return Mono.error(new IllegalArgumentException("shortcut: a slash and 1 to 32 letters, digits, '-' or '_',"
                    + " e.g. /hello"));
        }
        return Mono.just(new Draft(line, title, text, shortcut));
    }

    private static boolean isDuplicate(Throwable error) {
        boolean integrity = false;
        boolean shortcut = false;
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            integrity |= cause instanceof DataIntegrityViolationException
                    || cause instanceof R2dbcDataIntegrityViolationException;
            shortcut |= String.valueOf(cause.getMessage()).contains("canned_answer_shortcut");
        }
        return integrity && shortcut;
    }

    private static IllegalStateException taken(Draft draft) {
        return new IllegalStateException("shortcut: " + draft.shortcut().strip().toLowerCase(Locale.ROOT)
                + " is already used on line " + draft.line().strip());
    }

    private static CannedAnswer answer(Readable row) {
        OffsetDateTime updated = row.get("updated_at", OffsetDateTime.class);
        return new CannedAnswer(row.get("id", Long.class), row.get("line_id", String.class),
                row.get("title", String.class), row.get("text", String.class), row.get("shortcut", String.class),
                row.get("created_by", Long.class), updated == null ? null : updated.toInstant());
    }
}
