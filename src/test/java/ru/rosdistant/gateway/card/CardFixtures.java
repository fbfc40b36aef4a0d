package ru.rosdistant.gateway.card;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.springframework.r2dbc.core.DatabaseClient;

/** Cards, closed dialogs and offline forms written straight into the database, for tests of what staff do with them. */
public final class CardFixtures {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private CardFixtures() {
    }

    public static UUID card(DatabaseClient db, String name, List<String> emails, List<String> phones) {
        UUID id = UUID.randomUUID();
        db.sql("INSERT INTO card (id, kind, name, emails, phones) VALUES (:id, 'LEAD', :name, :emails, :phones)")
                .bind("id", id)
                .bind("name", name)
                .bind("emails", emails.toArray(String[]::new))
                .bind("phones", phones.toArray(String[]::new))
                .then()
                .block(WAIT);
        return id;
    }

    /** A closed widget dialog of {@code line} on the card, with its transcript. */
    public static UUID closedDialog(DatabaseClient db, UUID card, String line, String transcript) {
        UUID visitor = UUID.randomUUID();
        UUID dialog = UUID.randomUUID();
        db.sql("INSERT INTO visitor (id, site_id, token_hash) VALUES (:id, :site, decode(md5(random()::text), 'hex'))")
                .bind("id", visitor)
                .bind("site", line)
                .then()
                .then(db.sql("""
                                INSERT INTO dialog (id, visitor_id, site_id, line_id, state, closed_at, closed_by, card_id)
                                VALUES (:id, :visitor, :line, :line, 'CLOSED', now(), 'VISITOR', :card)""")
                        .bind("id", dialog)
                        .bind("visitor", visitor)
                        .bind("line", line)
                        .bind("card", card)
                        .then())
                .then(db.sql("INSERT INTO transcript (dialog_id, card_id, body) VALUES (:dialog, :card, :body)")
                        .bind("dialog", dialog)
                        .bind("card", card)
                        .bind("body", transcript)
                        .then())
                .block(WAIT);
        return dialog;
    }

    /** An offline form of {@code site} on the card. */
    public static UUID form(DatabaseClient db, UUID card, String site, String name, String email, String question) {
        UUID form = UUID.randomUUID();
        db.sql("""
                        INSERT INTO offline_form (id, site_id, card_id, name, email, question, consent_at)
                        VALUES (:id, :site, :card, :name, :email, :question, now())""")
                .bind("id", form)
                .bind("site", site)
                .bind("card", card)
                .bind("name", name)
                .bind("email", email)
                .bind("question", question)
                .then()
                .block(WAIT);
        return form;
    }
}
