package ru.rosdistant.gateway.email;

import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The mailboxes that are on (their password is set) and what reading and answering them shares: the parser and the
 * signer of reply addresses. A mailbox without its password is off, and the start log says so, as for the bots.
 */
@Component
class EmailChannel {

    private static final Logger log = LoggerFactory.getLogger(EmailChannel.class);

    /** A mailbox that is on, with its password. */
    record OpenMailbox(EmailProperties.Mailbox config, String password) {
    }

    private final EmailProperties properties;

    private final List<OpenMailbox> open;

    private final ReplyTokens tokens;

    private final MailParser parser;

    EmailChannel(EmailProperties properties, Environment environment) {
        this.properties = properties;
        this.open = properties.mailboxes()
                .stream()
                .map(mailbox -> {
                    String password = environment.getProperty(mailbox.passwordEnv());
                    if (password == null || password.isEmpty()) {
                        log.info("Mailbox '{}' ({}) is off: {} not set", mailbox.id(), mailbox.address(),
                                mailbox.passwordEnv());
                        return null;
                    }
                    log.info("Mailbox '{}' ({}) is read from {}:{} folder {} for line {}", mailbox.id(),
                            mailbox.address(), mailbox.host(), mailbox.port(), mailbox.folder(), mailbox.line());
                    return new OpenMailbox(mailbox, password);
                })
                .filter(java.util.Objects::nonNull)
                .toList();
        String secret = environment.getProperty(properties.replySecretEnv());
        this.tokens = new ReplyTokens(secret);
        if (!properties.mailboxes().isEmpty() && !tokens.enabled()) {
            log.info("E-mail replies carry the plain mailbox address: {} not set (threading relies on the headers)",
                    properties.replySecretEnv());
        }
        this.parser = new MailParser(properties.maxAttachmentSize().toBytes(), properties.maxAttachments());
    }

    List<OpenMailbox> open() {
        return open;
    }

    Optional<EmailProperties.Mailbox> configured(String id) {
        return properties.mailboxes().stream().filter(mailbox -> mailbox.id().equals(id)).findFirst();
    }

    ReplyTokens tokens() {
        return tokens;
    }

    MailParser parser() {
        return parser;
    }

    EmailProperties properties() {
        return properties;
    }
}
