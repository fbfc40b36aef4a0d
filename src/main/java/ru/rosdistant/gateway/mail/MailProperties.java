package ru.rosdistant.gateway.mail;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The gateway's own sender address (the SMTP server itself is {@code spring.mail.*}). Message-IDs are made
 * in the domain of this address.
 */
@ConfigurationProperties("gateway.mail")
record MailProperties(@DefaultValue("contact-gateway@rosdistant.ru") String from) {

    String domain() {
        String address = from.strip();
        if (address.endsWith(">")) {
            address = address.substring(0, address.length() - 1);
        }
        int at = address.lastIndexOf('@');
        if (at < 0 || at == address.length() - 1) {
            throw new IllegalArgumentException("gateway.mail.from is not an e-mail address: " + from);
        }
        return address.substring(at + 1);
    }
}
