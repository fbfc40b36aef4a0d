package ru.rosdistant.gateway.email;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.email.TestMailboxes.mail;
import static ru.rosdistant.gateway.email.TestMailboxes.messageId;

/**
 * A flood of mail from senders no card knows (forged, each another address) against the announcements to the head of
 * applicant recruitment: a gateway of its own, with announcements on and 3 an hour. Line lab720.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.email.unknown-sender-notify=head720@rosdistant.test", "gateway.email.unknown-senders-per-hour=3" })
@ActiveProfiles("test")
@DirtiesContext
class EmailUnknownSenderTests {

    private static TestMailboxes mailboxes;

    @Autowired
    DatabaseClient db;

    @BeforeAll
    static void imap(@Autowired ApplicationContext context) {
        mailboxes = new TestMailboxes(context);
    }

    @AfterAll
    static void stopImap() {
        mailboxes.close();
    }

    @Test
    void aFloodOfMailFromUnknownSendersAnnouncesAtMostTheHourlyShareAndStillOpensEveryDialog() throws Exception {
        String address = mailboxes.open("lab720", "main", "lab720");
        String run = String.valueOf(System.nanoTime() % 1_000_000);
        for (int i = 0; i < 12; i++) {
            mailboxes.deliver("lab720", mail("forged" + run + "x" + i + "@example.org", address, messageId(),
                    "Вопрос " + i, "Текст " + i));
        }
        assertThat(mailboxes.read("lab720")).isEqualTo(12);

        long announced = db.sql("SELECT count(*) AS n FROM outbox WHERE payload->>'to' = 'head720@rosdistant.test' "
                        + "AND payload->>'subject' LIKE '%forged" + run + "x%'")
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(10));
        assertThat(announced).as("announced: the hour's share only").isEqualTo(3);
        long dialogs = db.sql("SELECT count(*) AS n FROM email_dialog WHERE contact_address LIKE 'forged" + run
                        + "x%'")
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(10));
        assertThat(dialogs).as("every mail still opens its dialog").isEqualTo(12);
    }
}
