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
 * platform knows the sender's number, as WhatsApp does, it is not asked; an e-mail may be written instead), and
 * binds the person to the card that the name and a phone the platform vouches for identify uniquely. Ambiguity
 * never binds: when the combination matches no card or several while other cards hold the contact, or when the
 * contact was only typed, the person gets a new lead whose possible matches are those cards, and their dialog
 * needs identification: an agent chooses the card ({@code /api/dialogs/{id}/identification}). A contact that no
 * card holds makes a new lead. What the person wrote first is kept and opens their dialog afterwards.
 */
@Component
class Identification {

    static final String ASK_NAME = "Чтобы специалист мог вам ответить, представьтесь, пожалуйста: "
            + "напишите фамилию, имя и отчество.";

    static final String ASK_PHONE = "Спасибо! Теперь поделитесь, пожалуйста, номером телефона кнопкой ниже "
            + "или напишите его (можно вместо телефона написать адрес электронной почты).";

    static final String BAD_PHONE = "Не удалось распознать номер. Отправьте свой номер кнопкой ниже или напишите "
            + "его, например: +7 927 123-45-67, или адрес электронной почты.";

    private static final java.util.regex.Pattern EMAIL =
            java.util.regex.Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,189}\\.[^@\\s]{2,63}");

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
        Optional<String> email = phone.isPresent() ? Optional.empty() : email(inbound.text());
        if (email.isPresent()) {
            return identify(user, inbound, user.fullName(), null, email.get(), false);
        }
        if (phone.isEmpty()) {
            return say(inbound, "ask-phone", BAD_PHONE, MessengerOutbox.Keyboard.CONTACT).then(Mono.empty());
        }
        return identify(user, inbound, user.fullName(), phone.get(), null, inbound.ownPhone() != null);
    }

    private Mono<MessengerUser> identify(MessengerUser user, Inbound inbound, String name, String phone) {
        return identify(user, inbound, name, phone, null, true);
    }

    /**
     * A phone the platform vouches for ({@code proven}) binds to the card this name and phone identify uniquely;
     * when none or several match and other cards hold the phone, or when the phone or e-mail was only typed, the
     * person gets a new lead whose possible matches are the cards holding the contact (none: a plain new lead).
     */
    private Mono<MessengerUser> identify(MessengerUser user, Inbound inbound, String name, String phone, String email,
            boolean proven) {
        String thanks = "Спасибо, " + name + "! " + (user.pendingText() != null
                ? "Передаём ваш вопрос специалисту." : "Напишите, пожалуйста, ваш вопрос.");
        Mono<Card> ambiguous = Mono.defer(() -> cards.unprovenLead(name, email, phone, user.botId(), null));
        Mono<Card> identified = proven
                ? cards.uniqueByNameAnd(name, null, phone)
                        .switchIfEmpty(Mono.defer(() -> cards.anyWithContact(null, phone)
                                .flatMap(held -> held ? ambiguous
                                        : cards.findOrCreateLead(name, null, phone, user.botId()))))
                : ambiguous;
        return identified
                .flatMap(card -> users.advance(user, MessengerUser.Stage.IDENTIFIED, name, phone, card.id(), null))
                .then(say(inbound, "identified", thanks, MessengerOutbox.Keyboard.REMOVE))
                .as(tx::transactional)
                .then(users.find(user.botId(), user.externalId()));
    }

    private static Optional<String> email(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String address = text.strip();
        return address.length() <= 254 && EMAIL.matcher(address).matches()
                ? Optional.of(address.toLowerCase(java.util.Locale.ROOT)) : Optional.empty();
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
