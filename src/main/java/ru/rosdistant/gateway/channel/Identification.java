package ru.rosdistant.gateway.channel;

import java.util.Optional;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.card.Card;
import ru.rosdistant.gateway.card.Cards;

/**
 * The identification dialogue (regulation 4.4: a messenger appeal is accepted only when its author is
 * identified by a unique combination): the bot asks for the full name, then for the phone (where the
 * platform knows the sender's number, as WhatsApp does, it is not asked), and binds the person to the card
 * that name and phone identify uniquely, else to the card with the phone, else to a new lead. What the person wrote first is kept and opens their dialog afterwards.
 */
@Component
class Identification {

    static final String ASK_NAME = "Чтобы специалист мог вам ответить, представьтесь, пожалуйста: "
            + "напишите фамилию, имя и отчество.";

    static final String ASK_PHONE = "Спасибо! Теперь поделитесь, пожалуйста, номером телефона кнопкой ниже "
            + "или напишите его.";

    static final String BAD_PHONE = "Не удалось распознать номер. Отправьте свой номер кнопкой ниже или напишите "
            + "его, например: +7 927 123-45-67.";

    private final MessengerUsers users;

    private final MessengerOutbox outbox;

    private final Cards cards;

    private final TransactionalOperator tx;

    private final PhoneNumberUtil phones = PhoneNumberUtil.getInstance();

    Identification(MessengerUsers users, MessengerOutbox outbox, Cards cards, TransactionalOperator tx) {
        this.users = users;
        this.outbox = outbox;
        this.cards = cards;
        this.tx = tx;
        // libphonenumber reads its metadata from the jar on first use: here, not on an event loop
        phones.getExampleNumber("RU");
    }

    /** One step of the dialogue; emits the user when this step identified them, else completes empty. */
    Mono<MessengerUser> step(MessengerUser user, Inbound inbound) {
        return switch (user.stage()) {
            case NEW -> start(user, inbound);
            case ASKED_NAME -> name(user, inbound);
            case ASKED_PHONE -> phone(user, inbound);
            case IDENTIFIED -> Mono.just(user);
        };
    }

    private Mono<MessengerUser> start(MessengerUser user, Inbound inbound) {
        Bot bot = inbound.bot();
        String pending = inbound.text() == null || inbound.text().isBlank() ? null : limit(inbound.text(), 4000);
        return users.advance(user, MessengerUser.Stage.ASKED_NAME, null, inbound.ownPhone(), null, pending)
                .then(say(inbound, "greeting", bot.config().greetingOrDefault() + "\n" + ASK_NAME, null))
                .as(tx::transactional)
                .then(Mono.empty());
    }

    private Mono<MessengerUser> name(MessengerUser user, Inbound inbound) {
        String name = inbound.text() == null ? null : inbound.text().strip();
        if (name == null || name.length() < 2 || name.length() > 200 || name.chars().anyMatch(Character::isDigit)) {
            return say(inbound, "ask-name", ASK_NAME, null).then(Mono.empty());
        }
        String phone = user.phone() != null ? user.phone() : inbound.ownPhone();
        if (phone != null) {
            return identify(user, inbound, name, phone);
        }
        return users.advance(user, MessengerUser.Stage.ASKED_PHONE, name, null, null, null)
                .then(say(inbound, "ask-phone", ASK_PHONE, MessengerOutbox.Keyboard.CONTACT))
                .as(tx::transactional)
                .then(Mono.empty());
    }

    private Mono<MessengerUser> phone(MessengerUser user, Inbound inbound) {
        Optional<String> phone = Optional.ofNullable(inbound.ownPhone()).or(() -> e164(inbound.text()));
        if (phone.isEmpty()) {
            return say(inbound, "ask-phone", BAD_PHONE, MessengerOutbox.Keyboard.CONTACT).then(Mono.empty());
        }
        return identify(user, inbound, user.fullName(), phone.get(), inbound.ownPhone() != null);
    }

    private Mono<MessengerUser> identify(MessengerUser user, Inbound inbound, String name, String phone) {
        return identify(user, inbound, name, phone, true);
    }

    /**
     * A phone the platform vouches for ({@code proven}) identifies the card this name and phone identify
     * uniquely, else the card with the phone, else a new lead; a typed phone proves nothing, so it never
     * binds to an existing card: a new lead, flagged as a possible match of the cards that have the phone.
     */
    private Mono<MessengerUser> identify(MessengerUser user, Inbound inbound, String name, String phone,
            boolean proven) {
        String thanks = "Спасибо, " + name + "! " + (user.pendingText() != null
                ? "Передаём ваш вопрос специалисту." : "Напишите, пожалуйста, ваш вопрос.");
        Mono<Card> identified = proven
                ? cards.uniqueByNameAnd(name, null, phone)
                        .switchIfEmpty(Mono.defer(() -> cards.findOrCreateLead(name, null, phone, user.botId())))
                : cards.unprovenLead(name, null, phone, user.botId(), null);
        return identified
                .flatMap(card -> users.advance(user, MessengerUser.Stage.IDENTIFIED, name, phone, card.id(), null))
                .then(say(inbound, "identified", thanks, MessengerOutbox.Keyboard.REMOVE))
                .as(tx::transactional)
                .then(users.find(user.botId(), user.externalId()));
    }

    private Mono<Void> say(Inbound inbound, String purpose, String text, MessengerOutbox.Keyboard keyboard) {
        return outbox.say(inbound.bot(), inbound.externalId(), inbound.updateKey() + ":" + purpose, text, keyboard);
    }

    private Optional<String> e164(String text) {
        if (text == null || text.isBlank() || text.length() > 40) {
            return Optional.empty();
        }
        try {
            PhoneNumber number = phones.parse(text, "RU");
            return phones.isValidNumber(number)
                    ? Optional.of(phones.format(number, PhoneNumberUtil.PhoneNumberFormat.E164))
                    : Optional.empty();
        }
        catch (NumberParseException ex) {
            return Optional.empty();
        }
    }

    private static String limit(String text, int max) {
        return text.length() > max ? text.substring(0, max) : text;
    }
}
