package ru.rosdistant.gateway.card;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.RowLock;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two members of staff move the same dialog (or offline form) to different cards at the same moment: the move that
 * waited for the other's row lock is refused, so the thing ends on one card, with what hangs on it, and the audit
 * records the one move that happened. Line and site lab521.
 */
@GatewayTest
class CardMoveRaceTests {

    private static final String LINE = "lab521";

    @Autowired
    DatabaseClient db;

    @Autowired
    CardMoves moves;

    @Autowired
    AgentDirectory agents;

    @Autowired
    Environment environment;

    @Test
    void ofTwoMovesOfOneDialogAtOnceOneIsRefusedAndTheDialogItsTranscriptAndTheAuditAgree() throws Exception {
        StaffScope scope = StaffScope.of(Staff.agent(agents, LINE, 1, Role.ADMIN));
        UUID from = CardFixtures.card(db, "Иван Петров", List.of(), List.of());
        UUID toY = CardFixtures.card(db, "Иван Петров (другой)", List.of(), List.of());
        UUID toZ = CardFixtures.card(db, "Иван Петров (третий)", List.of(), List.of());
        UUID dialog = CardFixtures.closedDialog(db, from, LINE, "Посетитель: нужна справка");

        List<Object> outcomes = race("dialog", dialog,
                () -> moves.dialog(dialog, toY, scope).toFuture(), () -> moves.dialog(dialog, toZ, scope).toFuture());

        Map<?, ?> moved = onlyMove(outcomes);
        assertThat(moved.get("fromCardId")).isEqualTo(from);
        Object to = moved.get("toCardId");
        assertThat(Checks.text(db, "SELECT card_id::text AS v FROM dialog WHERE id = '" + dialog + "'"))
                .isEqualTo(to.toString());
        assertThat(Checks.text(db, "SELECT card_id::text AS v FROM transcript WHERE dialog_id = '" + dialog + "'"))
                .isEqualTo(to.toString());
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM card_audit WHERE action = 'DIALOG_MOVED' "
                + "AND detail LIKE '%" + dialog + "%'")).isEqualTo("1");
    }

    @Test
    void ofTwoMovesOfOneOfflineFormAtOnceOneIsRefused() throws Exception {
        StaffScope scope = StaffScope.of(Staff.agent(agents, LINE, 1, Role.ADMIN));
        UUID from = CardFixtures.card(db, "Анна Смирнова", List.of(), List.of());
        UUID toY = CardFixtures.card(db, "Анна Смирнова (другая)", List.of(), List.of());
        UUID toZ = CardFixtures.card(db, "Анна Смирнова (третья)", List.of(), List.of());
        UUID form = CardFixtures.form(db, from, LINE, "Анна Смирнова", "anna@example.ru", "Когда экзамен?");

        List<Object> outcomes = race("offline_form", form,
                () -> moves.form(form, toY, scope).toFuture(), () -> moves.form(form, toZ, scope).toFuture());

        Map<?, ?> moved = onlyMove(outcomes);
        assertThat(Checks.text(db, "SELECT card_id::text AS v FROM offline_form WHERE id = '" + form + "'"))
                .isEqualTo(moved.get("toCardId").toString());
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM card_audit WHERE action = 'FORM_MOVED' "
                + "AND detail LIKE '%" + form + "%'")).isEqualTo("1");
    }

    /**
     * Starts both moves while the row is locked, waits until both wait for it, then frees it: each read the card
     * the thing was on before either moved it. Returns each move's map, or its exception.
     */
    @SafeVarargs
    private List<Object> race(String table, UUID id,
            java.util.function.Supplier<CompletableFuture<Map<String, Object>>>... starts) throws Exception {
        List<CompletableFuture<Map<String, Object>>> running = new ArrayList<>();
        try (RowLock lock = RowLock.of(environment, table, id)) {
            for (var start : starts) {
                running.add(start.get());
            }
            lock.awaitWaiting(running);
        }
        return outcomes(running);
    }

    private static List<Object> outcomes(List<CompletableFuture<Map<String, Object>>> running) throws Exception {
        List<Object> outcomes = new ArrayList<>();
        for (CompletableFuture<Map<String, Object>> move : running) {
            try {
                outcomes.add(move.get(Duration.ofSeconds(20).toMillis(), TimeUnit.MILLISECONDS));
            }
            catch (ExecutionException ex) {
                outcomes.add(ex.getCause());
            }
        }
        return outcomes;
    }

    private static Map<?, ?> onlyMove(List<Object> outcomes) {
        assertThat(outcomes).filteredOn(Map.class::isInstance).hasSize(1);
        assertThat(outcomes).filteredOn(IllegalStateException.class::isInstance).singleElement()
                .extracting(error -> ((Throwable) error).getMessage())
                .isEqualTo("It was moved to another card meanwhile; look again");
        return (Map<?, ?>) outcomes.stream().filter(Map.class::isInstance).findFirst().orElseThrow();
    }
}
