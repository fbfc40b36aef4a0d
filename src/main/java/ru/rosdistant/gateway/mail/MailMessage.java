package ru.rosdistant.gateway.mail;

/**
 * A plain-text mail from the gateway. {@code replyTo} may be null. The body is sent as text/plain UTF-8,
 * never as HTML, so whatever a visitor wrote in it stays inert.
 */
public record MailMessage(String to, String replyTo, String subject, String body) {
}
