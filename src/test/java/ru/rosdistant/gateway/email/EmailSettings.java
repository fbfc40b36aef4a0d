package ru.rosdistant.gateway.email;

import java.time.Duration;
import java.util.List;

import org.springframework.util.unit.DataSize;

/**
 * The e-mail channel's settings as a test needs them: a mailbox with only what the test is about, and the channel's
 * properties at their documented defaults (README, "E-mail mailboxes"), so that a new setting changes one place.
 */
final class EmailSettings {

    private EmailSettings() {
    }

    /** A mailbox {@code id}@rosdistant.ru on imap.example.org:993, its password in {@code passwordEnv}. */
    static EmailProperties.Mailbox mailbox(String id, String passwordEnv, String site, String line) {
        return new EmailProperties.Mailbox(id, id + "@rosdistant.ru", "imap.example.org", 993, true, id, passwordEnv,
                "INBOX", site, line, null);
    }

    /** The channel's properties at their defaults, with these mailboxes. */
    static EmailProperties properties(EmailProperties.Mailbox... mailboxes) {
        return new EmailProperties(List.of(mailboxes), Duration.ofSeconds(30), Duration.ofMinutes(2), 20,
                DataSize.ofMegabytes(16), DataSize.ofMegabytes(40), 5, "EMAIL_REPLY_SECRET", null,
                Duration.ofSeconds(20), true, Duration.ofMinutes(4), DataSize.ofMegabytes(16), 10, 20, 30, 100, 20);
    }
}
