package ru.rosdistant.gateway.email;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPStore;

/**
 * One IMAP session with a mailbox's folder, opened read-only (EXAMINE): reading never sets \Seen nor moves
 * anything, so staff may read the mailbox as well. Jakarta Mail blocks: call it only on the mailbox's own scheduler.
 */
final class ImapConnection implements AutoCloseable {

    /**
     * A mail as fetched: its UID, size and raw bytes; when it is larger than the limit, no bytes but its header
     * (at most {@link #MAX_HEADER} bytes of it), so that it can be recorded as blocked.
     */
    record Fetched(long uid, long size, byte[] raw, byte[] header) {

        boolean tooLarge() {
            return raw == null;
        }
    }

    static final int MAX_HEADER = 256 * 1024;

    private final Store store;

    private final Folder folder;

    private final UIDFolder uids;

    /** Set by {@link #close}: an IDLE it ends returns quietly rather than failing. */
    private volatile boolean closing;

    /** The number of mails in the folder when last taken, for the IDLE. */
    private int known;

    private ImapConnection(Store store, Folder folder) {
        this.store = store;
        this.folder = folder;
        this.uids = (UIDFolder) folder;
    }

    static ImapConnection open(EmailProperties.Mailbox mailbox, String password, Duration timeout)
            throws MessagingException {
        String protocol = mailbox.tls() ? "imaps" : "imap";
        Properties properties = new Properties();
        String millis = Long.toString(timeout.toMillis());
        properties.setProperty("mail." + protocol + ".connectiontimeout", millis);
        properties.setProperty("mail." + protocol + ".timeout", millis);
        properties.setProperty("mail." + protocol + ".writetimeout", millis);
        properties.setProperty("mail." + protocol + ".peek", "true");
        // one FETCH per mail rather than 16 KB pieces: the size is bounded by max-message-size already
        properties.setProperty("mail." + protocol + ".partialfetch", "false");
        if (mailbox.tls()) {
            properties.setProperty("mail.imaps.ssl.checkserveridentity", "true");
        }
        Store store = Session.getInstance(properties).getStore(protocol);
        store.connect(mailbox.host(), mailbox.port(), mailbox.user(), password);
        try {
            Folder folder = store.getFolder(mailbox.folder());
            folder.open(Folder.READ_ONLY);
            return new ImapConnection(store, folder);
        }
        catch (MessagingException | RuntimeException ex) {
            store.close();
            throw ex;
        }
    }

    long uidValidity() throws MessagingException {
        return uids.getUIDValidity();
    }

    /** The UIDs above {@code lastUid}, oldest first, at most {@code max}. */
    List<Long> uidsAfter(long lastUid, int max) throws MessagingException {
        List<Long> found = new ArrayList<>();
        // "n:*" always includes the newest mail, even when its UID is below n: filter
        for (Message message : uids.getMessagesByUID(lastUid + 1, UIDFolder.LASTUID)) {
            long uid = uids.getUID(message);
            if (uid > lastUid) {
                found.add(uid);
            }
        }
        found.sort(Long::compare);
        return found.size() <= max ? found : found.subList(0, max);
    }

    /** Whether the server offers IMAP IDLE (RFC 2177). */
    boolean supportsIdle() throws MessagingException {
        return store instanceof IMAPStore imap && imap.hasCapability("IDLE") && folder instanceof IMAPFolder;
    }

    /** Takes the number of mails in the folder as the one {@link #idleUntilAnnounced} compares with. */
    void watch() throws MessagingException {
        known = folder.getMessageCount();
    }

    /**
     * Waits in IDLE until the server announces something (a new mail, a flag changed by staff, a keep-alive) and
     * tells whether the number of mails in the folder changed since it was last taken. Blocks its thread until then;
     * {@link #close} from another thread ends it at once (false).
     */
    boolean idleUntilAnnounced() throws MessagingException {
        try {
            ((IMAPFolder) folder).idle(true);
            if (closing || !folder.isOpen()) {
                return false;
            }
            int before = known;
            known = folder.getMessageCount();
            return known != before;
        }
        catch (MessagingException | IllegalStateException ex) {
            if (closing) {
                return false;
            }
            throw ex;
        }
    }

    /**
     * The raw mail with this UID, or only its header (FETCH BODY.PEEK[HEADER]) when it is larger than
     * {@code maxSize}; null if it is gone.
     */
    Fetched fetch(long uid, long maxSize) throws MessagingException, IOException {
        Message message = uids.getMessageByUID(uid);
        if (message == null) {
            return null;
        }
        long size = message.getSize();
        if (size > maxSize) {
            ByteArrayOutputStream header = new ByteArrayOutputStream();
            var lines = ((jakarta.mail.internet.MimeMessage) message).getAllHeaderLines();
            while (lines.hasMoreElements() && header.size() < MAX_HEADER) {
                header.write((lines.nextElement() + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            header.write("\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new Fetched(uid, size, null, header.toByteArray());
        }
        ByteArrayOutputStream raw = new ByteArrayOutputStream(Math.max(1024, (int) Math.max(size, 0)));
        message.writeTo(raw);
        return new Fetched(uid, raw.size(), raw.toByteArray(), null);
    }

    @Override
    public void close() {
        closing = true;
        try {
            if (folder.isOpen()) {
                folder.close(false);
            }
        }
        catch (MessagingException ex) {
            // closing anyway
        }
        try {
            store.close();
        }
        catch (MessagingException ex) {
            // nothing left to do
        }
    }
}
