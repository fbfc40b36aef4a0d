package ru.rosdistant.gateway.widget;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import tools.jackson.databind.JsonNode;

import ru.rosdistant.gateway.card.PortalIdentity;
import ru.rosdistant.gateway.live.ErrorCode;
import ru.rosdistant.gateway.live.FrameException;
import ru.rosdistant.gateway.site.Site;

/**
 * Checks the identity a portal passes for its logged-in user (docs/widget.md, "Identity verification"), in the
 * manner of Intercom's and Chatwoot's identity verification: the site's server computes
 * {@code hex(HMAC-SHA256(identitySecret, userId + "\n" + email))} ({@code email} empty when there is none) and
 * the page passes it as {@code signature}. Both the user id and the e-mail are signed, because the gateway
 * binds by either. The comparison takes the same time whatever the signature.
 */
final class IdentitySignatures {

    private static final String ALGORITHM = "HmacSHA256";

    private IdentitySignatures() {
    }

    /**
     * The proven identity, or null when the frame carries none.
     *
     * @throws FrameException {@code IDENTITY_INVALID} when it carries one that does not hold: the dialog then
     * opens unverified
     */
    static PortalIdentity verify(Site site, JsonNode identity) {
        if (identity == null || identity.isNull()) {
            return null;
        }
        if (!identity.isObject()) {
            throw refused("identity: an object {userId, email, name, signature}");
        }
        String userId = text(identity, "userId");
        String email = text(identity, "email");
        String name = text(identity, "name");
        String signature = text(identity, "signature");
        if (!site.verifiesIdentity()) {
            throw refused("This site does not verify identities (no identity secret is configured)");
        }
        if (userId == null || userId.isEmpty() || userId.length() > 128 || userId.chars().anyMatch(Character::isISOControl)) {
            throw refused("identity.userId: 1 to 128 characters, no control characters");
        }
        if (email != null && (email.length() > 254 || !email.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+"))) {
            throw refused("identity.email: not a valid e-mail address");
        }
        if (signature == null || !matches(site.identitySecret(), userId + "\n" + (email == null ? "" : email),
                signature)) {
            throw refused("identity.signature does not match: the dialog is not verified");
        }
        String shortName = name == null || name.isBlank() ? null : name.strip();
        return new PortalIdentity(site.id(), userId, email,
                shortName != null && shortName.length() > 200 ? shortName.substring(0, 200) : shortName);
    }

    private static boolean matches(String secret, String message, String signature) {
        byte[] given;
        try {
            given = HexFormat.of().parseHex(signature.strip());
        }
        catch (IllegalArgumentException notHex) {
            return false;
        }
        return MessageDigest.isEqual(sign(secret, message), given);
    }

    static byte[] sign(String secret, String message) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("HMAC-SHA256 is not available", ex);
        }
    }

    private static String text(JsonNode identity, String field) {
        JsonNode node = identity.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString() || node.asString().length() > 1024) {
            throw refused("identity." + field + ": a string");
        }
        return node.asString();
    }

    private static FrameException refused(String message) {
        return new FrameException(ErrorCode.IDENTITY_INVALID, message);
    }
}
