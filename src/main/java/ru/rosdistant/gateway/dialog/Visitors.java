package ru.rosdistant.gateway.dialog;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.shared.RandomIds;

/**
 * Visitor identities. The token is 32 random bytes handed to the visitor once; only its SHA-256 is stored,
 * bound to the site, so a leaked database cannot be used to resume anyone's dialog and a token of one
 * site means nothing on another.
 */
@Component
public class Visitors {

    private static final String PREFIX = "v1.";

    private final DatabaseClient db;

    Visitors(DatabaseClient db) {
        this.db = db;
        RandomIds.seed();
    }

    /** The visitor the token belongs to on this site; empty when the token is unknown, forged or foreign. */
    public Mono<Visitor> byToken(String siteId, String token) {
        if (token == null || !token.startsWith(PREFIX) || token.length() > 100) {
            return Mono.empty();
        }
        return db.sql("SELECT id FROM visitor WHERE token_hash = :hash AND site_id = :site")
                .bind("hash", hash(token))
                .bind("site", siteId)
                .map(row -> new Visitor(row.get("id", UUID.class), siteId, token, false))
                .one();
    }

    public Mono<Visitor> register(String siteId) {
        UUID id = RandomIds.uuid();
        String token = PREFIX + RandomIds.token(32);
        return db.sql("INSERT INTO visitor (id, site_id, token_hash) VALUES (:id, :site, :hash)")
                .bind("id", id)
                .bind("site", siteId)
                .bind("hash", hash(token))
                .then()
                .thenReturn(new Visitor(id, siteId, token, true));
    }

    private static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
