package ru.rosdistant.gateway.email;

import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.Disposable;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static ru.rosdistant.gateway.email.TestMailboxes.mail;
import static ru.rosdistant.gateway.email.TestMailboxes.messageId;

/**
 * The mailbox loop against GreenMail (which offers IDLE): an IDLE wakes the reader when mail arrives, long before the
 * poll interval; without IDLE the poll reads it. Mailboxes lab500, lab501.
 */
@GatewayTest
class MailboxIdleTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final TestMailboxes mailboxes = new TestMailboxes();

    @Autowired
    MailboxReaders readers;

    @Autowired
    MeterRegistry meters;

    @Autowired
    DatabaseClient db;

    private double passes(String mailbox, String trigger) {
        Counter counter = meters.find("gateway.email.passes").tag("mailbox", mailbox).tag("trigger", trigger).counter();
        return counter == null ? 0 : counter.count();
    }

    private boolean stored(String messageId) {
        return !Checks.text(db, "SELECT count(*)::text AS v FROM email_message WHERE message_id = '" + messageId + "'")
                .equals("0");
    }

    @Test
    void anIdleWakesTheReaderWhenMailArrivesLongBeforeThePollInterval() throws Exception {
        String address = mailboxes.open("lab500", "main", "lab500");
        // a poll interval no test waits for: only the IDLE can start the pass that reads the mail
        Disposable loop = readers.start(mailboxes.mailbox("lab500"),
                new MailboxReaders.Pacing(Duration.ofMinutes(10), Duration.ofMinutes(4)));
        try {
            // the IDLE is up once it has woken the reader for the first time (it does so as it starts)
            await().atMost(WAIT).until(() -> passes("lab500", "idle") >= 1);
            String messageId = messageId();
            mailboxes.deliver("lab500", mail("idle500@example.org", address, messageId, "Сразу", "без ожидания"));

            await().atMost(WAIT).until(() -> stored(messageId));
            assertThat(passes("lab500", "idle")).isGreaterThanOrEqualTo(2);
            assertThat(passes("lab500", "poll")).isZero();
        }
        finally {
            loop.dispose();
        }
    }

    @Test
    void withoutIdleTheMailIsReadByThePoll() throws Exception {
        String address = mailboxes.open("lab501", "main", "lab501");
        Disposable loop = readers.start(mailboxes.mailbox("lab501"),
                new MailboxReaders.Pacing(Duration.ofSeconds(2), null));
        try {
            // the first pass (at the start) is done: the cursor is written
            await().atMost(WAIT).until(() -> Checks.text(db, "SELECT count(*)::text AS v FROM email_cursor "
                    + "WHERE mailbox = 'lab501'").equals("1"));
            String messageId = messageId();
            mailboxes.deliver("lab501", mail("poll501@example.org", address, messageId, "Опрос", "по таймеру"));

            await().atMost(WAIT).until(() -> stored(messageId));
            await().atMost(WAIT).until(() -> passes("lab501", "poll") >= 1);
            assertThat(passes("lab501", "idle")).isZero();
        }
        finally {
            loop.dispose();
        }
    }
}
