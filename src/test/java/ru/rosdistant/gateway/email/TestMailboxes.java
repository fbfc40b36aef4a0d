package ru.rosdistant.gateway.email;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.ApplicationContext;

/**
 * Mailboxes on a GreenMail IMAP server of the test's own, read by the gateway's {@code MailboxReaders} one pass at a
 * time, for tests outside this package (the browser test) and inside it.
 */
public final class TestMailboxes implements AutoCloseable {

    private final GreenMail imap;

    private final MailboxReaders readers;

    private final Scheduler scheduler = Schedulers.newBoundedElastic(1, 16, "email-test-mailboxes");

    private final Map<String, EmailChannel.OpenMailbox> boxes = new ConcurrentHashMap<>();

    public TestMailboxes(ApplicationContext context) {
        this.readers = context.getBean(MailboxReaders.class);
        this.imap = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP).dynamicPort());
        imap.start();
    }

    /** A mailbox {@code id}@rosdistant.test whose mail goes to {@code line} on {@code site}. */
    public String open(String id, String site, String line) {
        imap.setUser(id + "@rosdistant.test", id, "secret-" + id);
        boxes.put(id, new EmailChannel.OpenMailbox(new EmailProperties.Mailbox(id, id + "@rosdistant.test",
                "127.0.0.1", imap.getImap().getPort(), false, id, "UNUSED_ENV", "INBOX", site, line), "secret-" + id));
        return id + "@rosdistant.test";
    }

    /** The mailbox as its reader sees it. */
    EmailChannel.OpenMailbox mailbox(String id) {
        return boxes.get(id);
    }

    /** Puts a raw mail into the mailbox over IMAP (APPEND), as a mail server would deliver it. */
    public void deliver(String id, String raw) throws Exception {
        EmailChannel.OpenMailbox box = boxes.get(id);
        Session session = Session.getInstance(new Properties());
        try (Store store = session.getStore("imap")) {
            store.connect("127.0.0.1", imap.getImap().getPort(), box.config().user(), box.password());
            Folder folder = store.getFolder(box.config().folder());
            folder.appendMessages(new Message[] {new MimeMessage(session,
                    new ByteArrayInputStream(raw.getBytes(StandardCharsets.UTF_8)))});
        }
    }

    /** One reading pass of the mailbox, as its loop makes every poll interval; the number of mails stored. */
    public int read(String id) {
        return readers.pass(boxes.get(id), scheduler).block(Duration.ofMinutes(3));
    }

    /** One reading pass that downloads mails up to {@code maxMessageSize} bytes. */
    int read(String id, long maxMessageSize) {
        return readers.pass(boxes.get(id), scheduler, maxMessageSize).block(Duration.ofMinutes(3));
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
        imap.stop();
        scheduler.dispose();
    }
}
