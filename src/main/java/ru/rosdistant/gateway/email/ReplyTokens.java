package ru.rosdistant.gateway.email;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-dialog reply address: {@code abiturient+d<dialog id, 32 hex>.<signature, 16 hex>@rosdistant.ru}, the
 * signature an HMAC-SHA256 of the dialog id under the configured key, so a made-up address threads into nobody's
 * dialog. Without a key there are no such addresses.
 */
final class ReplyTokens {

    private static final Pattern TOKEN = Pattern.compile("^[^@+]+\\+d([0-9a-f]{32})\\.([0-9a-f]{16})@.+$");

    private final byte[] key;

    ReplyTokens(String secret) {
        this.key = secret == null || secret.isBlank() ? null : secret.getBytes(StandardCharsets.UTF_8);
    }

    boolean enabled() {
        return key != null;
    }

    /** The reply address of the dialog on the mailbox, or the mailbox's own address without a key. */
    String replyAddress(EmailProperties.Mailbox mailbox, UUID dialogId) {
        return replyAddress(mailbox.localPart(), mailbox.domain(), dialogId);
    }

    String replyAddress(String localPart, String domain, UUID dialogId) {
        if (key == null) {
            return localPart + "@" + domain;
        }
        String id = dialogId.toString().replace("-", "");
        return localPart + "+d" + id + "." + sign(id) + "@" + domain;
    }

    /** The dialog a recipient address names, when its signature is right. */
    Optional<UUID> dialogOf(String address) {
        if (key == null || address == null) {
            return Optional.empty();
        }
        Matcher matcher = TOKEN.matcher(address.toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            return Optional.empty();
        }
        String id = matcher.group(1);
        if (!MessageDigest.isEqual(sign(id).getBytes(StandardCharsets.US_ASCII),
                matcher.group(2).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        return Optional.of(UUID.fromString(id.replaceFirst("(.{8})(.{4})(.{4})(.{4})(.{12})", "$1-$2-$3-$4-$5")));
    }

    private String sign(String id) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(id.getBytes(StandardCharsets.US_ASCII)), 0, 8);
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
