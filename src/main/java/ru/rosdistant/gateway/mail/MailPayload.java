package ru.rosdistant.gateway.mail;

/** A mail as it waits in the outbox: the message and the Message-ID every attempt sends it with. */
record MailPayload(String to, String replyTo, String subject, String body, String messageId) {
}
