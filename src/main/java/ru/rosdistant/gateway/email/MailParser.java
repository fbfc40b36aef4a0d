package ru.rosdistant.gateway.email;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;

/**
 * Reads a raw mail: the headers that thread it, whether it is an auto-reply, bulk mail or a delivery report, its
 * text (HTML-only mail through jsoup, quoted history folded) and its attachments (Cyrillic names in RFC 2047 and
 * RFC 2231 decoded; content beyond the limit counted, not kept). Plain Java, no I/O but the bytes given; a mail that
 * cannot be read throws {@link MessagingException} or {@link IOException}.
 */
final class MailParser {

    static final String FOLDED = "… (история переписки свёрнута)";

    private static final Session SESSION = session();

    /** Lines that start the quoted history in the common mail programs, Russian and English. */
    private static final Pattern ATTRIBUTION = Pattern.compile(
            "^(On .{3,200}wrote:|.{0,200}(писал|написал|пишет)\\(?а?\\)?:|-{2,}\\s*(Original Message|Исходное сообщение|"
                    + "Пересылаемое сообщение|Forwarded message)\\s*-{2,}|_{10,})\\s*$",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    private static final Pattern MESSAGE_ID = Pattern.compile("<[^<>\\s]{1,990}>");

    /** Mail programs nest three or four multiparts (mixed, alternative, related); a forward adds a few. */
    private static final int MAX_DEPTH = 16;

    private final long maxAttachment;

    private final int maxAttachments;

    MailParser(long maxAttachment, int maxAttachments) {
        this.maxAttachment = maxAttachment;
        this.maxAttachments = maxAttachments;
    }

    private static Session session() {
        Properties properties = new Properties();
        properties.setProperty("mail.mime.decodefilename", "true");
        properties.setProperty("mail.mime.decodeparameters", "true");
        properties.setProperty("mail.mime.address.strict", "false");
        // RFC 6532: headers in raw UTF-8, as SMTPUTF8 mail servers deliver them
        properties.setProperty("mail.mime.allowutf8", "true");
        return Session.getInstance(properties);
    }

    /** The Message-ID alone, for a mail that could not be parsed; null when even the headers cannot be read. */
    static String messageIdOf(byte[] raw) {
        try {
            return firstId(new InternetHeaders(new ByteArrayInputStream(raw)).getHeader("Message-ID", null));
        }
        catch (MessagingException | RuntimeException ex) {
            return null;
        }
    }

    ParsedMail parse(byte[] raw) throws MessagingException, IOException {
        MimeMessage message = new MimeMessage(SESSION, new ByteArrayInputStream(raw));
        InternetAddress from = from(message);
        ParsedMail.Bounce bounce = bounce(message);
        Body body = new Body();
        walk(message, body, 0);
        String text = body.plain != null ? fold(body.plain) : body.html != null ? fold(htmlToText(body.html)) : "";
        if (body.attachmentsLeft > 0) {
            text = text + (text.isEmpty() ? "" : "\n\n") + "Ещё вложений: " + body.attachmentsLeft
                    + " — не сохранены (в одном письме сохраняется не больше " + maxAttachments
                    + "), они в исходном письме";
        }
        return new ParsedMail(firstId(message.getHeader("Message-ID", null)),
                from == null ? null : from.getAddress().toLowerCase(Locale.ROOT),
                from == null ? null : clean(from.getPersonal(), 200), clean(message.getSubject(), 1000),
                firstId(message.getHeader("In-Reply-To", null)), ids(message.getHeader("References", " ")),
                recipients(message), text, bounce == null ? autoReason(message) : null, bounce, body.attachments);
    }

    /**
     * The headers of a mail whose body could not be parsed or was not downloaded (Message-ID, sender, subject, the
     * threading headers, recipients; no text), so that a supervisor sees who wrote it and a mail too large to download
     * still finds its dialog; null when even the headers cannot be read.
     */
    static ParsedMail headersOnly(byte[] raw) {
        try {
            MimeMessage message = new MimeMessage(SESSION, new ByteArrayInputStream(raw));
            InternetAddress from = from(message);
            return new ParsedMail(firstId(message.getHeader("Message-ID", null)),
                    from == null ? null : from.getAddress().toLowerCase(Locale.ROOT),
                    from == null ? null : clean(from.getPersonal(), 200), clean(message.getSubject(), 1000),
                    firstId(message.getHeader("In-Reply-To", null)), ids(message.getHeader("References", " ")),
                    recipients(message), null, null, null, List.of());
        }
        catch (MessagingException | RuntimeException ex) {
            return null;
        }
    }

    private static InternetAddress from(MimeMessage message) throws MessagingException {
        Address[] from;
        try {
            from = message.getFrom();
        }
        catch (AddressException ex) {
            return null;
        }
        if (from == null || from.length == 0 || !(from[0] instanceof InternetAddress address)
                || address.getAddress() == null || !address.getAddress().contains("@")) {
            return null;
        }
        return address;
    }

    /** Every address the mail was delivered to: the plus-addressed reply address may be in any of them. */
    private static List<String> recipients(MimeMessage message) throws MessagingException {
        Set<String> all = new LinkedHashSet<>();
        for (String header : new String[] {"To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"}) {
            String[] values = message.getHeader(header);
            if (values == null) {
                continue;
            }
            for (String value : values) {
                try {
                    for (InternetAddress address : InternetAddress.parseHeader(value, false)) {
                        if (address.getAddress() != null) {
                            all.add(address.getAddress().toLowerCase(Locale.ROOT));
                        }
                    }
                }
                catch (AddressException ex) {
                    // an address we cannot read cannot be ours either
                }
            }
        }
        return List.copyOf(all);
    }

    /** RFC 3834 and the habits of list servers and vacation programs; null for a mail a person wrote. */
    private static String autoReason(MimeMessage message) throws MessagingException {
        String submitted = message.getHeader("Auto-Submitted", null);
        if (submitted != null && !submitted.strip().toLowerCase(Locale.ROOT).startsWith("no")) {
            return "Auto-Submitted: " + submitted.strip();
        }
        for (String header : new String[] {"X-Autoreply", "X-Autorespond", "X-Autoresponse"}) {
            if (message.getHeader(header) != null) {
                return header;
            }
        }
        String precedence = message.getHeader("Precedence", null);
        if (precedence != null && precedence.strip().toLowerCase(Locale.ROOT).matches("bulk|junk|list")) {
            return "Precedence: " + precedence.strip();
        }
        if (message.getHeader("List-Id") != null) {
            return "List-Id";
        }
        String returnPath = message.getHeader("Return-Path", null);
        if (returnPath != null && returnPath.replaceAll("[\\s<>]", "").isEmpty()) {
            return "Return-Path: <>";
        }
        return null;
    }

    /** A delivery report (multipart/report; report-type=delivery-status), else null. */
    private static ParsedMail.Bounce bounce(MimeMessage message) throws MessagingException, IOException {
        ContentType type = new ContentType(message.getContentType());
        if (!type.match("multipart/report")
                || !"delivery-status".equalsIgnoreCase(type.getParameter("report-type"))) {
            return null;
        }
        Multipart parts = (Multipart) message.getContent();
        String original = null;
        List<String> failed = new ArrayList<>();
        StringBuilder detail = new StringBuilder();
        for (int i = 0; i < parts.getCount(); i++) {
            BodyPart part = parts.getBodyPart(i);
            if (part.isMimeType("message/delivery-status")) {
                for (String line : read(part.getInputStream(), 64 * 1024).split("\\r?\\n")) {
                    String lower = line.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("final-recipient:")) {
                        String value = line.substring(line.indexOf(':') + 1).strip();
                        failed.add(value.substring(value.indexOf(';') + 1).strip().toLowerCase(Locale.ROOT));
                    }
                    else if (lower.startsWith("status:") || lower.startsWith("diagnostic-code:")) {
                        detail.append(line.strip()).append("; ");
                    }
                }
            }
            else if (part.isMimeType("message/rfc822") || part.isMimeType("text/rfc822-headers")) {
                InternetHeaders headers = new InternetHeaders(part.getInputStream());
                original = firstId(headers.getHeader("Message-ID", null));
            }
        }
        return new ParsedMail.Bounce(original, List.copyOf(failed), clean(detail.toString(), 2000));
    }

    private static final class Body {

        String plain;

        String html;

        final List<ParsedMail.Attachment> attachments = new ArrayList<>();

        /** Attachments past {@code max-attachments}: counted, never read. */
        int attachmentsLeft;
    }

    private void walk(Part part, Body body, int depth) throws MessagingException, IOException {
        if (part.isMimeType("multipart/*")) {
            if (depth >= MAX_DEPTH) {
                // each level is parsed from a copy of the one above: a deep nest costs time squared and the stack
                throw new MessagingException("multiparts nested deeper than " + MAX_DEPTH);
            }
            Multipart multipart = (Multipart) part.getContent();
            for (int i = 0; i < multipart.getCount(); i++) {
                walk(multipart.getBodyPart(i), body, depth + 1);
            }
            return;
        }
        String name = fileName(part);
        boolean attachment = Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition()) || name != null
                || !part.isMimeType("text/*") && !part.isMimeType("message/*");
        if (!attachment && part.isMimeType("text/plain") && body.plain == null) {
            body.plain = text(part);
        }
        else if (!attachment && part.isMimeType("text/html") && body.html == null) {
            body.html = text(part);
        }
        else if (attachment && body.attachments.size() >= maxAttachments) {
            body.attachmentsLeft++;
        }
        else if (attachment) {
            body.attachments.add(content(part, name));
        }
    }

    private static String fileName(Part part) throws MessagingException {
        String name = part.getFileName();
        if (name == null) {
            return null;
        }
        if (name.contains("=?")) {
            try {
                name = MimeUtility.decodeText(name);
            }
            catch (java.io.UnsupportedEncodingException ex) {
                // kept as it came
            }
        }
        return clean(name.replaceAll("[\\\\/]", "_"), 255);
    }

    private ParsedMail.Attachment content(Part part, String name) throws MessagingException, IOException {
        String mime = new ContentType(part.getContentType()).getBaseType().toLowerCase(Locale.ROOT);
        try (InputStream in = part.getInputStream()) {
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            byte[] buffer = new byte[64 * 1024];
            long size = 0;
            int read;
            while ((read = in.read(buffer)) > 0) {
                size += read;
                if (size <= maxAttachment) {
                    kept.write(buffer, 0, read);
                }
            }
            return new ParsedMail.Attachment(name, clean(mime, 255), size, size <= maxAttachment ? kept.toByteArray()
                    : null);
        }
    }

    private static String text(Part part) throws MessagingException, IOException {
        Object content = part.getContent();
        return content instanceof String text ? text : read(part.getInputStream(), 1024 * 1024);
    }

    /** The text of an HTML-only mail: block elements become lines; scripts, styles and quoted history go. */
    static String htmlToText(String html) {
        Document document = Jsoup.parse(html);
        document.outputSettings(new Document.OutputSettings().prettyPrint(false));
        document.select("script, style, head, title").remove();
        boolean quoted = !document.select("blockquote, .gmail_quote, #divRplyFwdMsg, .moz-cite-prefix").isEmpty();
        document.select("blockquote, .gmail_quote, #divRplyFwdMsg, .moz-cite-prefix").remove();
        // wholeText() renders <br> as a line break itself; block elements start a line
        document.select("p, div, li, tr, h1, h2, h3, h4, h5, h6, table").before("\n");
        String text = document.body() == null ? "" : document.body().wholeText();
        text = text.replace('\u00a0', ' ').replaceAll("[ \\t]+\\n", "\n").replaceAll("\\n{3,}", "\n\n").strip();
        return quoted ? text + "\n\n" + FOLDED : text;
    }

    /** Cuts the quoted history off: from the attribution line or the trailing {@code >} block on. */
    static String fold(String text) {
        String[] lines = text.replace("\r\n", "\n").split("\n", -1);
        int cut = lines.length;
        for (int i = 0; i < lines.length; i++) {
            if (ATTRIBUTION.matcher(lines[i].strip()).matches() && i > 0) {
                cut = i;
                break;
            }
        }
        int end = cut;
        while (end > 0 && (lines[end - 1].startsWith(">") || lines[end - 1].isBlank())) {
            end--;
        }
        boolean quotedTail = false;
        for (int i = end; i < cut; i++) {
            quotedTail |= lines[i].startsWith(">");
        }
        if (!quotedTail) {
            end = cut;
        }
        String kept = String.join("\n", java.util.Arrays.copyOfRange(lines, 0, end)).strip();
        if (kept.endsWith(FOLDED)) {
            return kept;
        }
        return end < lines.length && hasText(lines, end) ? (kept + "\n\n" + FOLDED).strip() : kept;
    }

    private static boolean hasText(String[] lines, int from) {
        for (int i = from; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                return true;
            }
        }
        return false;
    }

    private static String read(InputStream in, int max) throws IOException {
        try (in) {
            return new String(in.readNBytes(max), StandardCharsets.UTF_8);
        }
    }

    private static String firstId(String header) {
        if (header == null) {
            return null;
        }
        var matcher = MESSAGE_ID.matcher(header);
        return matcher.find() ? matcher.group() : null;
    }

    private static List<String> ids(String header) {
        if (header == null) {
            return List.of();
        }
        List<String> all = new ArrayList<>();
        var matcher = MESSAGE_ID.matcher(header);
        while (matcher.find() && all.size() < 50) {
            all.add(matcher.group());
        }
        return List.copyOf(all);
    }

    private static String clean(String text, int max) {
        if (text == null) {
            return null;
        }
        String plain = text.replaceAll("[\\p{Cntrl}&&[^\\n\\t]]", "").strip();
        if (plain.isEmpty()) {
            return null;
        }
        return plain.length() <= max ? plain : plain.substring(0, max);
    }
}
