package ru.rosdistant.gateway.email;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.Disposable;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.cluster.JobLeases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static ru.rosdistant.gateway.email.TestMailboxes.mail;
import static ru.rosdistant.gateway.email.TestMailboxes.messageId;

/**
 * With several nodes one reads a mailbox, under the lease {@code email-reader:<id>}, and keeps an IMAP IDLE on it; when
 * that node stops, another takes the lease over and reads on from the cursor: no mail is lost, none is stored or
 * put into its dialog twice. Two readers of two "nodes" (a {@link JobLeases} each, meters of their own) share this
 * test's PostgreSQL and GreenMail. Mailbox and line lab700.
 */
@GatewayTest
class MailboxLeaseHandoverTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final String BOX = "lab700";

    private static final String JOB = "email-reader:" + BOX;

    @RegisterExtension
    static final TestMailboxes mailboxes = new TestMailboxes();

    @Autowired
    DatabaseClient db;

    @Autowired
    EmailChannel channel;

    @Autowired
    EmailIntake intake;

    @Autowired
    EmailThreads threads;

    private final List<Disposable> loops = new ArrayList<>();

    /** A node's reader: polls every second and keeps an IDLE while it holds the lease. */
    private Node node(String id) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        MailboxReaders readers = new MailboxReaders(channel, intake, threads, new JobLeases(db, id), meters);
        Disposable loop = readers.start(mailboxes.mailbox(BOX),
                new MailboxReaders.Pacing(Duration.ofSeconds(1), Duration.ofMinutes(4)));
        loops.add(loop);
        return new Node(id, loop, meters);
    }

    private record Node(String id, Disposable loop, MeterRegistry meters) {

        double passes(String trigger) {
            Counter counter = meters.find("gateway.email.passes").tag("trigger", trigger).counter();
            return counter == null ? 0 : counter.count();
        }
    }

    @AfterEach
    void stopNodes() {
        loops.forEach(Disposable::dispose);
        db.sql("DELETE FROM job_lease WHERE job = :job").bind("job", JOB).then().block(WAIT);
    }

    @Test
    void whenTheReadingNodeStopsAnotherTakesTheMailboxOverAndNoMailIsLostOrReadTwice() throws Exception {
        String address = mailboxes.open(BOX, "main", BOX);
        List<String> sent = new ArrayList<>();
        Node first = node("mail-node-a");
        await().atMost(WAIT).until(() -> first.id().equals(holder()));
        Node second = node("mail-node-b");
        deliver(address, sent, 3);
        await().atMost(WAIT).until(() -> stored() == 3);
        // the second node polls and finds the lease taken: it stands by, without an IDLE of its own
        await().atMost(WAIT).until(() -> second.passes("poll") >= 2);
        assertThat(holder()).isEqualTo(first.id());
        assertThat(second.passes("idle")).as("IDLE wake-ups of the standing-by node").isZero();

        // the first node dies (its loop and its IDLE stop); mail keeps coming while nobody reads; the lease runs out
        // (here at once, instead of after lease-ttl)
        first.loop().dispose();
        double firstPasses = first.passes("poll") + first.passes("idle");
        deliver(address, sent, 3);
        long token = token();
        db.sql("UPDATE job_lease SET expires_at = now() WHERE job = :job").bind("job", JOB).then().block(WAIT);

        await().atMost(WAIT).until(() -> second.id().equals(holder()));
        await().atMost(WAIT).until(() -> stored() == 6);
        assertThat(token()).as("the new holder's fencing token")
                .isGreaterThan(token);

        // the new holder keeps an IDLE: a mail now wakes it before its next poll would have
        await().atMost(WAIT).until(() -> second.passes("idle") >= 1);
        deliver(address, sent, 1);
        await().atMost(WAIT).until(() -> stored() == 7);

        for (String messageId : sent) {
            assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM email_message WHERE mailbox = '" + BOX
                    + "' AND message_id = '" + messageId + "'")).as("rows of " + messageId).isEqualTo("1");
            await().atMost(WAIT).until(() -> inDialog(messageId) == 1);
        }
        assertThat(Checks.text(db, "SELECT last_uid::text AS v FROM email_cursor WHERE mailbox = '" + BOX + "'"))
                .isEqualTo("7");
        assertThat(first.passes("poll") + first.passes("idle")).as("passes of the stopped node")
                .isEqualTo(firstPasses);
    }

    private void deliver(String address, List<String> sent, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            String messageId = messageId();
            int n = sent.size() + 1;
            mailboxes.deliver(BOX, mail("handover" + n + "@example.org", address, messageId, "Письмо " + n,
                    "текст " + n));
            sent.add(messageId);
        }
    }

    private String holder() {
        return Checks.text(db, "SELECT holder AS v FROM job_lease WHERE job = '" + JOB + "' AND expires_at > now()");
    }

    private long token() {
        return Long.parseLong(Checks.text(db, "SELECT token::text AS v FROM job_lease WHERE job = '" + JOB + "'"));
    }

    private long stored() {
        return Long.parseLong(Checks.text(db, "SELECT count(*)::text AS v FROM email_message WHERE mailbox = '" + BOX
                + "'"));
    }

    /** How many times the mail stands in its dialog (its message's client id is {@code email:<mail id>}). */
    private long inDialog(String messageId) {
        return Long.parseLong(Checks.text(db, "SELECT count(*)::text AS v FROM message m JOIN email_message e "
                + "ON m.dialog_id = e.dialog_id AND m.client_msg_id = 'email:' || e.id WHERE e.message_id = '"
                + messageId + "'"));
    }
}
