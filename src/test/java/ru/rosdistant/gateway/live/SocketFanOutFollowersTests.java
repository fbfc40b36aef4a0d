package ru.rosdistant.gateway.live;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogClosed;
import ru.rosdistant.gateway.dialog.DialogForwarded;
import ru.rosdistant.gateway.dialog.DialogState;
import ru.rosdistant.gateway.shared.LiveEvent;

import static org.assertj.core.api.Assertions.assertThat;

/** Who the fan-out hands a change of a dialog to (the sockets themselves: ClosingTests). */
class SocketFanOutFollowersTests {

    private final SocketFanOut fanOut = new SocketFanOut();

    @Test
    void aListenerFollowingTheDialogAndItsAgentHearsAChangeOnce() {
        Dialog closed = dialog(DialogState.CLOSED, 7L);
        Heard console = new Heard();
        Heard watching = new Heard();
        Heard otherAgent = new Heard();
        fanOut.followAgent(7, console);
        fanOut.followDialog(closed.id(), console);
        fanOut.followDialog(closed.id(), watching);
        fanOut.followAgent(8, otherAgent);

        fanOut.on(new DialogClosed(closed));

        assertThat(console.events).hasSize(1);
        assertThat(watching.events).hasSize(1);
        assertThat(otherAgent.events).isEmpty();
    }

    @Test
    void aHandOverReachesTheAgentItLeftAndTheOneWhoHasItEachOnce() {
        Dialog forwarded = dialog(DialogState.ASSIGNED, 8L);
        Heard before = new Heard();
        Heard after = new Heard();
        fanOut.followAgent(7, before);
        fanOut.followDialog(forwarded.id(), before);
        fanOut.followAgent(8, after);
        fanOut.followDialog(forwarded.id(), after);

        fanOut.on(new DialogForwarded(forwarded, 7L, "lab750", "forwarded"));

        assertThat(before.events).hasSize(1);
        assertThat(after.events).hasSize(1);
    }

    @Test
    void twoSocketsOfOneAgentEachHearIt() {
        Dialog closed = dialog(DialogState.CLOSED, 7L);
        Heard firstTab = new Heard();
        Heard secondTab = new Heard();
        fanOut.followAgent(7, firstTab);
        fanOut.followAgent(7, secondTab);
        fanOut.followDialog(closed.id(), secondTab);

        fanOut.on(new DialogClosed(closed));

        assertThat(firstTab.events).hasSize(1);
        assertThat(secondTab.events).hasSize(1);
    }

    private static Dialog dialog(DialogState state, Long agentId) {
        return new Dialog(UUID.randomUUID(), UUID.randomUUID(), "lab750", "lab750", "WIDGET", state, agentId,
                "Агент", null, 3, Instant.now(), Instant.now(), state == DialogState.CLOSED ? Instant.now() : null,
                null, null, null, null, null, Dialog.Inbox.NONE);
    }

    private static final class Heard implements Consumer<LiveEvent> {

        final List<Object> events = new ArrayList<>();

        @Override
        public void accept(LiveEvent event) {
            events.add(event);
        }
    }
}
