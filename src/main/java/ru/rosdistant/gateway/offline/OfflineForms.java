package ru.rosdistant.gateway.offline;

import java.time.Instant;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.shared.RandomIds;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.card.CardBinding;
import ru.rosdistant.gateway.card.Cards;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.dialog.Sender;
import ru.rosdistant.gateway.dialog.Visitors;
import ru.rosdistant.gateway.mail.Mailer;

/**
 * Stores offline forms: the card binding, the form and its mail's outbox entry in one transaction, so the
 * form is acknowledged only once all three exist. A retry with the same {@code clientFormId} gets the
 * first receipt back and stores nothing.
 */
@Component
class OfflineForms {

    private static final String NEW = "NEW";

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final Cards cards;

    private final CardBinding binding;

    private final Mailer mailer;

    private final OfflineFormMail mail;

    private final Visitors visitors;

    private final DialogQueries dialogs;

    private final OfflineProperties properties;

    private final OfflineAppeals appeals;

    OfflineForms(DatabaseClient db, TransactionalOperator tx, Cards cards, CardBinding binding, Mailer mailer, OfflineFormMail mail,
            Visitors visitors, DialogQueries dialogs, OfflineProperties properties, OfflineAppeals appeals) {
        this.appeals = appeals;
        this.db = db;
        this.tx = tx;
        this.cards = cards;
        this.binding = binding;
        this.mailer = mailer;
        this.mail = mail;
        this.visitors = visitors;
        this.dialogs = dialogs;
        this.properties = properties;
    }

    Mono<OfflineFormReceipt> submit(OfflineForm form) {
        return earlierReceipt(form)
                .switchIfEmpty(Mono.defer(() -> earlierChat(form)
                        .flatMap(earlier -> store(form, earlier))));
    }

    private Mono<OfflineFormReceipt> store(OfflineForm form, EarlierChat earlier) {
        UUID id = RandomIds.uuid();
        Instant at = Instant.now();
        return cardOf(form, earlier)
                .map(card -> new StoredForm(id, card, form, earlier, at))
                .flatMap(stored -> insert(stored)
                        .then(mailer.enqueue("offline-form:" + id, mail.compose(stored)))
                        .then(appeals.insert(new OfflineAppeals.Appeal(RandomIds.uuid(), "FORM", form.site().line(),
                                form.site().id(), "WIDGET", null, id, null, stored.cardId(), form.name(), form.email(),
                                form.phone(), form.question(), null, null, null, null, null, null, null, null, null,
                                null), "form:" + id))
                        .thenReturn(stored))
                .as(tx::transactional)
                .map(stored -> new OfflineFormReceipt(id, stored.cardId(), NEW))
                .onErrorResume(SameSubmission.class, ex -> earlierReceipt(form));
    }

    /**
     * The card of the visitor's earlier dialog when their token proved it theirs; otherwise a new lead: the
     * e-mail and phone typed into the form prove nothing, so they never attach the question (and the person
     * behind it) to an existing card. The lead is flagged as a possible match of the cards sharing them.
     */
    private Mono<UUID> cardOf(OfflineForm form, EarlierChat earlier) {
        Mono<UUID> ofDialog = earlier.dialogId() == null ? Mono.empty() : binding.cardOf(earlier.dialogId());
        return ofDialog.switchIfEmpty(Mono.defer(() -> cards.unprovenLead(form.name(), form.email(), form.phone(),
                        form.site().id(), null)
                .map(card -> card.id())));
    }

    /** The form's row; a concurrent twin with the same client id rolls this transaction back. */
    private Mono<Void> insert(StoredForm stored) {
        OfflineForm form = stored.form();
        return db.sql("""
                INSERT INTO offline_form (id, site_id, card_id, dialog_id, client_form_id, name, email, phone,
                                          question, consent_at, state)
                VALUES (:id, :site, :card, :dialog, :client, :name, :email, :phone, :question, :at, :state)
                ON CONFLICT (site_id, client_form_id) DO NOTHING""")
                .bind("id", stored.id())
                .bind("site", form.site().id())
                .bind("card", stored.cardId())
                .bind("dialog", Parameter.fromOrEmpty(stored.earlier().dialogId(), UUID.class))
                .bind("client", Parameter.fromOrEmpty(form.clientFormId(), String.class))
                .bind("name", form.name())
                .bind("email", Parameter.fromOrEmpty(form.email(), String.class))
                .bind("phone", Parameter.fromOrEmpty(form.phone(), String.class))
                .bind("question", form.question())
                .bind("at", stored.at())
                .bind("state", NEW)
                .fetch()
                .rowsUpdated()
                .flatMap(inserted -> inserted > 0 ? Mono.<Void>empty() : Mono.error(new SameSubmission()));
    }

    private Mono<OfflineFormReceipt> earlierReceipt(OfflineForm form) {
        if (form.clientFormId() == null) {
            return Mono.empty();
        }
        return db.sql("SELECT id, card_id, state FROM offline_form WHERE site_id = :site AND client_form_id = :client")
                .bind("site", form.site().id())
                .bind("client", form.clientFormId())
                .map(row -> new OfflineFormReceipt(row.get("id", UUID.class), row.get("card_id", UUID.class),
                        row.get("state", String.class)))
                .one();
    }

    /**
     * What the visitor wrote in the dialog named by the form, when their token proves it theirs; the agent
     * side is left out, the mailbox needs the visitor's words.
     */
    private Mono<EarlierChat> earlierChat(OfflineForm form) {
        if (form.dialogId() == null || form.visitorToken() == null) {
            return Mono.just(EarlierChat.NONE);
        }
        return visitors.byToken(form.site().id(), form.visitorToken())
                .flatMap(visitor -> dialogs.findOfVisitor(visitor, form.dialogId()))
                .flatMap(dialog -> dialogs.messagesAfter(dialog.id(), 0, Long.MAX_VALUE)
                        .filter(message -> message.sender() == Sender.VISITOR)
                        .takeLast(properties.earlierMessages())
                        .collectList()
                        .map(messages -> new EarlierChat(dialog.id(), messages)))
                .defaultIfEmpty(EarlierChat.NONE);
    }

    /** Another request with the same client form id was stored first. */
    private static final class SameSubmission extends RuntimeException {

        SameSubmission() {
            super("The form was already submitted", null, false, false);
        }
    }
}
