package ru.rosdistant.gateway.card;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;

@GatewayTest
class CardsTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Autowired
    Cards cards;

    @Autowired
    TransactionalOperator tx;

    @Test
    void newPersonBecomesALeadWithNormalisedContacts() {
        String email = unique("New.Person") + "@Example.com";
        cards.findOrCreateLead("  Новый Человек ", email, "+79270000001", "student")
                .as(StepVerifier::create)
                .assertNext(card -> {
                    assertThat(card.kind()).isEqualTo(CardKind.LEAD);
                    assertThat(card.contactType()).isNull();
                    assertThat(card.name()).isEqualTo("Новый Человек");
                    assertThat(card.emails()).containsExactly(email.toLowerCase());
                    assertThat(card.phones()).containsExactly("+79270000001");
                    assertThat(card.siteId()).isEqualTo("student");
                })
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void personIsFoundByEmailWhateverItsCaseOrByPhone() {
        String email = unique("found") + "@example.com";
        String phone = "+7927" + String.format("%07d", System.nanoTime() % 10_000_000);
        Card first = cards.findOrCreateLead("Анна", email, null, "main").block(WAIT);
        assertThat(cards.findOrCreateLead("Анна", email.toUpperCase(), phone, "main").block(WAIT).id())
                .isEqualTo(first.id());
        assertThat(cards.find(first.id()).block(WAIT).phones()).as("a found card is not changed").isEmpty();

        Card byPhone = cards.findOrCreateLead("Борис", null, phone, "main").block(WAIT);
        assertThat(byPhone.id()).isNotEqualTo(first.id());
        assertThat(cards.findOrCreateLead("Борис", unique("other") + "@example.com", phone, "main").block(WAIT).id())
                .isEqualTo(byPhone.id());
    }

    @Test
    void twoSimultaneousAppealsOfANewPersonMakeOneLead() {
        String email = unique("twice") + "@example.com";
        Mono<Card> appeal = Mono.defer(() -> cards.findOrCreateLead("Двойник", email, null, "main")
                        .delayElement(Duration.ofMillis(200)))
                .as(tx::transactional)
                .subscribeOn(Schedulers.parallel());
        Mono.zip(appeal, appeal)
                .as(StepVerifier::create)
                .assertNext(both -> assertThat(both.getT1().id()).isEqualTo(both.getT2().id()))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void personWithoutEmailOrPhoneCannotBeIdentified() {
        cards.findOrCreateLead("Аноним", " ", null, "main")
                .as(StepVerifier::create)
                .expectError(IllegalArgumentException.class)
                .verify(WAIT);
    }

    private static String unique(String prefix) {
        return prefix + "-" + Long.toString(System.nanoTime(), 36);
    }
}
