package ru.rosdistant.gateway.email;

import java.util.List;

/**
 * What the gateway makes of one mail. {@code autoReason} is set for an auto-reply or bulk mail, {@code bounce} for a
 * delivery report; {@code text} is the new part of the mail as plain text (HTML converted, quoted history folded).
 */
record ParsedMail(String messageId, String fromAddress, String fromName, String subject, String inReplyTo,
        List<String> references, List<String> recipients, String text, String autoReason, Bounce bounce,
        List<Attachment> attachments) {

    /** An attachment: its decoded content when within the limit, else null with the size it has. */
    record Attachment(String name, String mimeType, long size, byte[] content) {

        boolean blocked() {
            return content == null;
        }
    }

    /** A delivery report (RFC 3464): the Message-ID of the mail that failed and the addresses that refused it. */
    record Bounce(String originalMessageId, List<String> failedRecipients, String detail) {
    }
}
