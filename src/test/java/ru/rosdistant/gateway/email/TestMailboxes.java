package ru.rosdistant.gateway.email;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.junit.jupiter.SpringExtension;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;

/**
 * Mailboxes on a GreenMail IMAP server of the test's own, read by the gateway's {@code MailboxReaders} one pass at a
 * time, and what the gateway made of their mails. A test class registers it as an extension, which starts the
 * server before its first test and stops it after the last:
 * <pre>{@code @RegisterExtension static final TestMailboxes mailboxes = new TestMailboxes();}</pre>
 * or makes one of its own with {@link #TestMailboxes(ApplicationContext)} and closes it.
 */
public final class TestMailboxes implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Map<String, EmailChannel.OpenMailbox> boxes = new ConcurrentHashMap<>();

    private GreenMail imap;

    private MailboxReaders readers;

    private DatabaseClient db;

    private Scheduler scheduler;

    /** Started by JUnit as the extension of a test class, with the class's application context. */
    public TestMailboxes() {
    }

    public TestMailboxes(ApplicationContext context) {
        start(context);
    }

    @Override
    public void beforeAll(ExtensionContext extension) {
        start(SpringExtension.getApplicationContext(extension));
    }

    @Override
    public void afterAll(ExtensionContext extension) {
        close();
    }

    private void start(ApplicationContext context) {
        this.readers = context.getBean(MailboxReaders.class);
        this.db = context.getBean(DatabaseClient.class);
        this.scheduler = Schedulers.newBoundedElastic(1, 16, "email-test-mailboxes");
        this.imap = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP).dynamicPort());
        imap.start();
    }

    /** A mailbox {@code id}@rosdistant.test whose mail (in its INBOX) goes to {@code line} on {@code site}. */
    public String open(String id, String site, String line) {
        return open(id, site, line, "INBOX");
    }

    /** A mailbox {@code id}@rosdistant.test read from {@code folder}; its mail goes to {@code line} on {@code site}. */
    public String open(String id, String site, String line, String folder) {
        return open(id, site, line, folder, null);
    }

    /** A mailbox that opens at most {@code newDialogsPerHour} new dialogs an hour (null: the common bound). */
    public String open(String id, String site, String line, String folder, Integer newDialogsPerHour) {
        imap.setUser(id + "@rosdistant.test", id, "secret-" + id);
        boxes.put(id, new EmailChannel.OpenMailbox(new EmailProperties.Mailbox(id, id + "@rosdistant.test",
                "127.0.0.1", imap.getImap().getPort(), false, id, "UNUSED_ENV", folder, site, line,
                newDialogsPerHour), "secret-" + id));
        return id + "@rosdistant.test";
    }

    /** The mailbox as its reader sees it. */
    EmailChannel.OpenMailbox mailbox(String id) {
        return boxes.get(id);
    }

    /** Puts a raw mail into the mailbox's folder over IMAP (APPEND), as a mail server would deliver it. */
    public void deliver(String id, String raw) throws MessagingException {
        EmailChannel.OpenMailbox box = boxes.get(id);
        Session session = Session.getInstance(new Properties());
        try (Store store = connect(session, box)) {
            Folder folder = store.getFolder(box.config().folder());
            if (!folder.exists()) {
                folder.create(Folder.HOLDS_MESSAGES);
            }
            folder.appendMessages(new Message[] {new MimeMessage(session,
                    new ByteArrayInputStream(raw.getBytes(StandardCharsets.UTF_8)))});
        }
    }

    /** Delivers a mail from {@code from} to the mailbox's address, with a Message-ID of its own: that id. */
    public String deliver(String id, String from, String subject, String body, String... headers)
            throws MessagingException {
        String messageId = messageId();
        deliver(id, mail(from, boxes.get(id).config().address(), messageId, subject, body, headers));
        return messageId;
    }

    /** The dialog a person's first mail opens: delivered, read in one pass, and its dialog. */
    public UUID dialogOpenedBy(String id, String from, String subject, String body) throws MessagingException {
        String messageId = deliver(id, from, subject, body);
        read(id);
        return dialogOf(messageId);
    }

    /**
     * The mailbox's hour has passed: its new dialogs and delivered mails are over an hour old, and the mails it held
     * are due at its next pass.
     */
    void anHourPassed(String id) {
        db.sql("UPDATE email_dialog SET created_at = created_at - interval '61 minutes' WHERE mailbox = :m")
                .bind("m", id)
                .then()
                .then(db.sql("UPDATE email_message SET handled_at = handled_at - interval '61 minutes' "
                                + "WHERE mailbox = :m AND state IN ('DELIVERED', 'BLOCKED')")
                        .bind("m", id)
                        .then())
                .then(db.sql("UPDATE email_message SET held_until = now() - interval '1 second' WHERE mailbox = :m "
                                + "AND state = 'LIMITED'")
                        .bind("m", id)
                        .then())
                .block(WAIT);
    }

    /** A GET of the staff's REST API as {@code agent} (basic authentication). */
    static WebTestClient.ResponseSpec get(int port, Agent agent, String uri) {
        return Checks.http(port).get().uri(uri).headers(h -> h.setBasicAuth(agent.login(), Staff.PASSWORD)).exchange();
    }

    /** The mails a supervisor sees as failed, blocked or waiting ({@code GET /api/supervisor/email/failed}). */
    static List<JsonNode> failedMails(int port, Agent supervisor) {
        return Checks.body(get(port, supervisor, "/api/supervisor/email/failed").expectStatus().isOk())
                .valueStream()
                .toList();
    }

    /** Deletes the mailbox's folder with its mails, as an administrator rebuilding it would. */
    void deleteFolder(String id) throws MessagingException {
        EmailChannel.OpenMailbox box = boxes.get(id);
        try (Store store = connect(Session.getInstance(new Properties()), box)) {
            store.getFolder(box.config().folder()).delete(true);
        }
    }

    private Store connect(Session session, EmailChannel.OpenMailbox box) throws MessagingException {
        Store store = session.getStore("imap");
        store.connect("127.0.0.1", imap.getImap().getPort(), box.config().user(), box.password());
        return store;
    }

    /** One reading pass of the mailbox, as its loop makes every poll interval; the number of mails stored. */
    public int read(String id) {
        return readers.pass(boxes.get(id), scheduler).block(Duration.ofMinutes(3));
    }

    /** One reading pass that downloads mails up to {@code maxMessageSize} bytes. */
    int read(String id, long maxMessageSize) {
        return readers.pass(boxes.get(id), scheduler, maxMessageSize).block(Duration.ofMinutes(3));
    }

    /** The dialog a stored mail went to (waits for it: a mailbox loop may still be reading the mail). */
    UUID dialogOf(String messageId) {
        return UUID.fromString(Checks.eventually(() -> Checks.text(db, "SELECT dialog_id::text AS v FROM email_message "
                + "WHERE message_id = '" + messageId.replace("'", "''") + "' AND dialog_id IS NOT NULL"),
                "the dialog of " + messageId));
    }

    /** What the dialog holds from its visitor, message by message. */
    String visitorText(UUID dialogId) {
        List<String> bodies = db.sql("SELECT body FROM message WHERE dialog_id = :d AND sender = 'VISITOR' "
                        + "ORDER BY seq")
                .bind("d", dialogId)
                .map(row -> row.get("body", String.class))
                .all()
                .collectList()
                .block(WAIT);
        return String.join("\n", bodies);
    }

    /** An agent's upload of a file for the answer {@code clientMsgId} of an e-mail dialog (docs/email.md). */
    static WebTestClient.ResponseSpec attach(int port, Agent agent, UUID dialogId, String clientMsgId, String name,
            byte[] content) {
        return Checks.http(port).post()
                .uri(b -> b.path("/api/email/dialogs/{id}/answers/{client}/files").queryParam("name", "{name}")
                        .build(dialogId, clientMsgId, name))
                .headers(h -> h.setBasicAuth(agent.login(), Staff.PASSWORD))
                .contentType(MediaType.APPLICATION_PDF)
                .bodyValue(content)
                .exchange();
    }

    public static String mail(String from, String to, String messageId, String subject, String body,
            String... headers) {
        return "From: " + from + "\r\nTo: " + to + "\r\nMessage-ID: " + messageId + "\r\nSubject: " + subject
                + "\r\n" + String.join("", Arrays.stream(headers).map(h -> h + "\r\n").toList())
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n";
    }

    public static String messageId() {
        return "<" + UUID.randomUUID() + "@example.org>";
    }

    @Override
    public void close() {
        if (imap != null) {
            imap.stop();
            scheduler.dispose();
        }
    }
}
