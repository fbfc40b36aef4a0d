package ru.rosdistant.gateway.web;

import java.math.BigInteger;
import java.util.regex.Pattern;

import org.springframework.http.ResponseEntity;

/**
 * How every list of the staff's REST API answers its {@code limit} and {@code offset}, the same everywhere
 * (docs/protocol.md, "Lists"): a {@code limit} beyond the list's bounds is clamped into them (below 1 is 1, above the
 * list's largest page is that page) and the limit applied is in the answer's {@code X-Limit}; an {@code offset}
 * beyond 0 to {@value #MAX_OFFSET}, or either parameter not a whole number, is the caller's mistake: an
 * {@link IllegalArgumentException}, which {@link ProblemAnswers} answers 400 with a problem detail. The offset is a
 * door: a deeper page would make PostgreSQL read and drop every row before it.
 * <p>
 * A list that pages by offset ({@link #of}) always says where its page starts in {@code X-Offset}, 0 when the
 * request gave none; a list that serves only its first page ({@link #first}) sends no {@code X-Offset}, so that no
 * client takes it for a list it could page through.
 *
 * @param limit the page size applied
 * @param offset where the page starts
 * @param byOffset whether the list pages by offset (and says so in {@code X-Offset})
 */
public record Paging(int limit, long offset, boolean byOffset) {

    /** The deepest page a list serves. */
    public static final long MAX_OFFSET = 10_000;

    private static final Pattern WHOLE = Pattern.compile("[+-]?\\d{1,40}");

    /** A page of a list that pages by offset. */
    public Paging(int limit, long offset) {
        this(limit, offset, true);
    }

    /** The page asked for: {@code limit} (default {@code byDefault}, clamped to 1..{@code max}) from {@code offset}. */
    public static Paging of(String limit, String offset, int byDefault, int max) {
        BigInteger asked = whole("limit", limit, byDefault);
        BigInteger from = whole("offset", offset, 0);
        if (from.signum() < 0 || from.compareTo(BigInteger.valueOf(MAX_OFFSET)) > 0) {
            throw new IllegalArgumentException("offset: a whole number from 0 to " + MAX_OFFSET + ", got '"
                    + shown(offset) + "'");
        }
        int size = asked.compareTo(BigInteger.ONE) < 0 ? 1
                : asked.compareTo(BigInteger.valueOf(max)) > 0 ? max : asked.intValue();
        return new Paging(size, from.longValue());
    }

    /** The first page, of a list that does not page by offset: {@code limit} as {@link #of} takes it. */
    public static Paging first(String limit, int byDefault, int max) {
        return new Paging(of(limit, null, byDefault, max).limit(), 0, false);
    }

    /**
     * The answer's headers: the limit applied ({@code X-Limit}) and, of a list that pages by offset, where the page
     * starts ({@code X-Offset}).
     */
    public ResponseEntity.BodyBuilder headers(ResponseEntity.BodyBuilder answer) {
        answer.header("X-Limit", Integer.toString(limit));
        return byOffset ? answer.header("X-Offset", Long.toString(offset)) : answer;
    }

    private static BigInteger whole(String name, String value, long byDefault) {
        if (value == null) {
            return BigInteger.valueOf(byDefault);
        }
        if (!WHOLE.matcher(value.strip()).matches()) {
            throw new IllegalArgumentException(name + ": a whole number, got '" + shown(value) + "'");
        }
        return new BigInteger(value.strip());
    }

    private static String shown(String value) {
        return value.length() > 20 ? value.substring(0, 20) + "…" : value;
    }
}
