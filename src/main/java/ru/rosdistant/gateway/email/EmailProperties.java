package ru.rosdistant.gateway.email;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The e-mail channel: the mailboxes read over IMAP and the limits of reading them. A password is never written
 * here, only the name of the environment variable (or property) that holds it; a mailbox whose secret is not set is
 * off and the start log says so.
 *
 * @param mailboxes the sites' mailboxes (abiturient@, student@, info@)
 * @param pollInterval how often each mailbox is read (correctness never depends on IDLE)
 * @param idle whether an IMAP IDLE wakes the reader early when mail arrives (only where the server offers it)
 * @param idleRecycle how long one IDLE lasts before its connection is closed and opened again
 * @param leaseTtl how long the node reading a mailbox keeps it without renewing (several nodes: one reads)
 * @param batchSize mails read from one mailbox per pass
 * @param maxAttachmentSize larger attachments are recorded as blocked (regulation 4.2, requirement 2)
 * @param maxAttachments how many attachments of one mail are kept; the rest are not read, and the dialog says how
 *        many stayed in the original
 * @param maxMessageSize a larger mail is not downloaded: it is recorded as blocked from its header, with where the
 *        original is (mailbox, UIDVALIDITY, UID), and its dialog gets a notice
 * @param maxReplyAttachments the files of one answer together (a larger set is refused with 413)
 * @param maxReplyFiles how many files one answer carries
 * @param newDialogsPerSenderPerHour new dialogs one address may open within an hour (all mailboxes together); its
 *        mail past that joins its open dialog of the mailbox, or waits ({@code LIMITED}) until the hour allows
 * @param newDialogsPerMailboxPerHour new dialogs one mailbox may open within an hour, all senders together (a mailbox
 *        may set its own); mail past that joins its sender's open dialog of the mailbox, or waits until the hour
 *        allows, oldest first
 * @param mailsPerDialogPerHour mails one dialog takes within an hour; more wait until the hour allows, oldest first
 * @param replySecretEnv the variable holding the key that signs the plus-addressed reply addresses; unset: replies
 *        carry the plain mailbox address and threading relies on the headers
 * @param unknownSenderNotify where a mail from an address no card holds is announced (the head of applicant
 *        recruitment, regulation 4.2.1); null: nobody is mailed
 * @param unknownSendersPerHour how many of those announcements go out an hour, all mailboxes and nodes together; a
 *        flood of forged senders does not become a flood of mail to that person
 * @param connectTimeout IMAP connection and read timeout
 */
@ConfigurationProperties("gateway.email")
record EmailProperties(@DefaultValue List<Mailbox> mailboxes, @DefaultValue("30s") Duration pollInterval,
        @DefaultValue("2m") Duration leaseTtl, @DefaultValue("20") int batchSize,
        @DefaultValue("16MB") DataSize maxAttachmentSize, @DefaultValue("40MB") DataSize maxMessageSize,
        @DefaultValue("5") int newDialogsPerSenderPerHour, @DefaultValue("EMAIL_REPLY_SECRET") String replySecretEnv,
        String unknownSenderNotify, @DefaultValue("20s") Duration connectTimeout, @DefaultValue("true") boolean idle,
        @DefaultValue("4m") Duration idleRecycle, @DefaultValue("16MB") DataSize maxReplyAttachments,
        @DefaultValue("10") int maxReplyFiles, @DefaultValue("20") int maxAttachments,
        @DefaultValue("30") int unknownSendersPerHour, @DefaultValue("100") int newDialogsPerMailboxPerHour,
        @DefaultValue("20") int mailsPerDialogPerHour) {

    EmailProperties {
        for (int bound : new int[] {newDialogsPerSenderPerHour, newDialogsPerMailboxPerHour, mailsPerDialogPerHour}) {
            if (bound < 1) {
                throw new IllegalArgumentException("gateway.email: new-dialogs-per-sender-per-hour, "
                        + "new-dialogs-per-mailbox-per-hour and mails-per-dialog-per-hour must be at least 1");
            }
        }
    }

    /** The new dialogs the mailbox may open within an hour: its own bound, else the common one. */
    int newDialogsPerHour(Mailbox mailbox) {
        return mailbox.newDialogsPerHour() != null ? mailbox.newDialogsPerHour() : newDialogsPerMailboxPerHour;
    }

    /**
     * One mailbox read over IMAP.
     *
     * @param id short name (letters, digits, {@code _}, {@code -}), e.g. {@code abiturient}
     * @param address the mailbox's address; replies go out from it
     * @param passwordEnv the name of the variable holding the password
     * @param folder the folder read, INBOX by default; it is only read, never changed
     * @param site the site whose appeals come here (a dialog's site)
     * @param line the line whose list the dialogs join
     * @param newDialogsPerHour this mailbox's own bound of new dialogs within an hour; unset: the common
     *        {@code new-dialogs-per-mailbox-per-hour}
     */
    record Mailbox(String id, String address, String host, @DefaultValue("993") int port,
            @DefaultValue("true") boolean tls, String user, String passwordEnv, @DefaultValue("INBOX") String folder,
            String site, String line, Integer newDialogsPerHour) {

        Mailbox {
            if (id == null || !id.matches("[a-z0-9][a-z0-9_-]{0,63}")) {
                throw new IllegalArgumentException("gateway.email.mailboxes[].id: letters, digits, _ or -, got "
                        + id);
            }
            for (String[] field : new String[][] {{"address", address}, {"host", host}, {"user", user},
                    {"password-env", passwordEnv}, {"site", site}, {"line", line}}) {
                if (field[1] == null || field[1].isBlank()) {
                    throw new IllegalArgumentException("gateway.email.mailboxes[" + id + "]." + field[0]
                            + " is required");
                }
            }
            if (newDialogsPerHour != null && newDialogsPerHour < 1) {
                throw new IllegalArgumentException("gateway.email.mailboxes[" + id + "].new-dialogs-per-hour must be "
                        + "at least 1");
            }
        }

        /** {@code abiturient@rosdistant.ru} → {@code abiturient}. */
        String localPart() {
            return address.substring(0, address.lastIndexOf('@'));
        }

        String domain() {
            return address.substring(address.lastIndexOf('@') + 1);
        }
    }
}
