package ru.rosdistant.gateway.widget;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;

/** The visitor's {@code rate} frame: stored once on their own closed dialog, refused otherwise. Site lab48. */
@GatewayTest
class RatingTests {

    private static final String SITE = "lab48";

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    @Autowired
    AgentDirectory agents;

    @Test
    void aClosedDialogIsRatedOnceAndTheRatingShowsOnTheCard() {
        try (WsClient visitor = hello()) {
            String dialogId = closedDialog(visitor);
            JsonNode rated = rate(visitor, dialogId, 4, "  Быстро и по делу  ", "r-1");
            assertThat(rated.path("type").asString()).isEqualTo("rated");
            assertThat(rated.path("dialogId").asString()).isEqualTo(dialogId);
            assertThat(rated.path("ref").asString()).isEqualTo("r-1");
            assertThat(rated.path("duplicate").asBoolean()).isFalse();
            assertThat(Checks.text(db, "SELECT rating || '|' || rating_comment || '|' || (rated_at IS NOT NULL) AS v "
                    + "FROM dialog WHERE id = '" + dialogId + "'")).isEqualTo("4|Быстро и по делу|true");

            // the same frame again (a resend after a lost reply) is answered again and changes nothing
            JsonNode again = rate(visitor, dialogId, 4, "Быстро и по делу", "r-2");
            assertThat(again.path("type").asString()).isEqualTo("rated");
            assertThat(again.path("duplicate").asBoolean()).isTrue();
            // a different rating is refused: once per dialog
            JsonNode twice = rate(visitor, dialogId, 1, null, "r-3");
            assertThat(twice.path("code").asString()).isEqualTo("FORBIDDEN");
            assertThat(twice.path("message").asString()).isEqualTo("This dialog has been rated already");
            assertThat(Checks.text(db, "SELECT rating::text AS v FROM dialog WHERE id = '" + dialogId + "'"))
                    .isEqualTo("4");

            // the console's card panel lists the earlier dialog with its rating
            String cookie = Staff.login(port, Staff.agent(agents, SITE, 5).login(), Staff.PASSWORD);
            JsonNode dialog = Checks.eventually(() -> {
                JsonNode card = Checks.body(Checks.http(port).get().uri("/api/dialogs/" + dialogId + "/card")
                        .header("Cookie", cookie).exchange());
                return card.path("dialogs").valueStream()
                        .filter(d -> d.path("dialogId").asString().equals(dialogId))
                        .findFirst()
                        .orElse(null);
            }, "the card of " + dialogId);
            assertThat(dialog.path("rating").asInt()).isEqualTo(4);
            assertThat(dialog.path("ratingComment").asString()).isEqualTo("Быстро и по делу");
        }
    }

    @Test
    void aRatingOutOfRangeOrWithATooLongCommentIsRefusedAndNothingIsStored() {
        try (WsClient visitor = hello()) {
            String dialogId = closedDialog(visitor);
            for (Object bad : new Object[] {0, 6, -1, 3.5, "5", true}) {
                JsonNode error = rate(visitor, dialogId, bad, null, "bad-" + bad);
                assertThat(error.path("code").asString()).as("rating " + bad).isEqualTo("INVALID_FIELD");
                assertThat(error.path("message").asString()).isEqualTo("rating: a whole number from 1 to 5");
                assertThat(error.path("ref").asString()).isEqualTo("bad-" + bad);
            }
            JsonNode missing = rate(visitor, dialogId, null, null, "none");
            assertThat(missing.path("code").asString()).isEqualTo("MISSING_FIELD");
            JsonNode longComment = rate(visitor, dialogId, 5, "я".repeat(1001), "long");
            assertThat(longComment.path("code").asString()).isEqualTo("INVALID_FIELD");
            assertThat(longComment.path("message").asString()).isEqualTo("comment: text of at most 1000 characters");
            JsonNode notText = rate(visitor, dialogId, 5, 42, "number");
            assertThat(notText.path("code").asString()).isEqualTo("INVALID_FIELD");
            assertThat(Checks.text(db, "SELECT coalesce(rating::text, 'none') AS v FROM dialog WHERE id = '" + dialogId
                    + "'")).isEqualTo("none");
            // exactly 1000 characters are fine
            assertThat(rate(visitor, dialogId, 5, "я".repeat(1000), "max").path("type").asString()).isEqualTo("rated");
        }
    }

    @Test
    void onlyTheVisitorsOwnClosedDialogCanBeRated() {
        try (WsClient visitor = hello(); WsClient stranger = hello()) {
            visitor.send(Map.of("type", "open"));
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            JsonNode open = rate(visitor, dialogId, 5, null, "open");
            assertThat(open.path("code").asString()).isEqualTo("FORBIDDEN");
            assertThat(open.path("message").asString()).isEqualTo("A dialog is rated once it is closed");

            visitor.send(Map.of("type", "close", "dialogId", dialogId));
            visitor.await(frame -> "closed".equals(frame.path("event").asString()), "closed");
            JsonNode foreign = rate(stranger, dialogId, 1, "чужой", "foreign");
            assertThat(foreign.path("code").asString()).isEqualTo("UNKNOWN_DIALOG");
            JsonNode unknown = rate(stranger, java.util.UUID.randomUUID().toString(), 1, null, "unknown");
            assertThat(unknown.path("code").asString()).isEqualTo("UNKNOWN_DIALOG");
            assertThat(Checks.text(db, "SELECT coalesce(rating::text, 'none') AS v FROM dialog WHERE id = '" + dialogId
                    + "'")).isEqualTo("none");
            // the owner still may
            assertThat(rate(visitor, dialogId, 2, null, "own").path("type").asString()).isEqualTo("rated");
        }
    }

    private WsClient hello() {
        WsClient visitor = WsClient.visitor(port, SITE, "https://lab48.test");
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        return visitor;
    }

    /** Opens a dialog and closes it from the visitor's side (no agent needed). */
    private static String closedDialog(WsClient visitor) {
        visitor.send(Map.of("type", "open"));
        String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
        visitor.send(Map.of("type", "close", "dialogId", dialogId));
        visitor.await(frame -> dialogId.equals(frame.path("dialogId").asString())
                && "closed".equals(frame.path("event").asString()), "the closed event");
        return dialogId;
    }

    /** Sends {@code rate} and returns its answer: {@code rated} or the error with this ref. */
    private static JsonNode rate(WsClient visitor, String dialogId, Object rating, Object comment, String ref) {
        Map<String, Object> frame = new HashMap<>();
        frame.put("type", "rate");
        frame.put("dialogId", dialogId);
        if (rating != null) {
            frame.put("rating", rating);
        }
        if (comment != null) {
            frame.put("comment", comment);
        }
        frame.put("ref", ref);
        visitor.send(frame);
        return visitor.await(f -> ref.equals(f.path("ref").asString())
                && ("rated".equals(f.path("type").asString()) || "error".equals(f.path("type").asString())),
                "the answer to " + ref);
    }
}
