package ru.rosdistant.gateway.live;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import ru.rosdistant.gateway.dialog.DialogChanged;
import ru.rosdistant.gateway.dialog.Message;
import ru.rosdistant.gateway.dialog.MessageAppended;
import ru.rosdistant.gateway.dialog.Sender;
import ru.rosdistant.gateway.routing.OfferWithdrawn;
import ru.rosdistant.gateway.routing.QueueChanged;
import ru.rosdistant.gateway.task.PersonWroteAgain;
import ru.rosdistant.gateway.shared.LiveEvent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A dialog's listeners are kept as one listener or an array of them (copy on write): every listener hears each event
 * once, a removed one no more, and a dialog whose last listener left is no longer followed (nor relayed for).
 */
class SocketFanOutTests {

    private final SocketFanOut bus = new SocketFanOut();

    private final UUID dialog = UUID.randomUUID();

    private final List<String> heard = new ArrayList<>();

    private Consumer<LiveEvent> listener(String name) {
        return event -> heard.add(name);
    }

    private void publish() {
        bus.deliverHere(new MessageAppended(new Message(dialog, 1, Sender.VISITOR, null, null, "c-1", null, "hi",
                Instant.now())));
    }

    @Test
    void eachListenerHearsOnceUntilItLeaves() {
        Consumer<LiveEvent> a = listener("a");
        Consumer<LiveEvent> b = listener("b");
        Consumer<LiveEvent> c = listener("c");
        bus.addDialogListener(dialog, a);
        publish();
        assertThat(heard).containsExactly("a");

        Disposable second = bus.followDialog(dialog, b);
        bus.addDialogListener(dialog, c);
        heard.clear();
        publish();
        assertThat(heard).containsExactly("a", "b", "c");

        second.dispose();
        heard.clear();
        publish();
        assertThat(heard).containsExactly("a", "c");

        bus.unfollowDialog(dialog, a);
        heard.clear();
        publish();
        assertThat(heard).containsExactly("c");
        assertThat(bus.followedDialogs()).containsExactly(dialog);

        // removing one that is not there changes nothing; removing the last ends the dialog's entry
        bus.unfollowDialog(dialog, a);
        bus.unfollowDialog(dialog, c);
        heard.clear();
        publish();
        assertThat(heard).isEmpty();
        assertThat(bus.followedDialogs()).isEmpty();
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheOthers() {
        bus.addDialogListener(dialog, event -> {
            throw new IllegalStateException("a broken socket");
        });
        bus.addDialogListener(dialog, listener("b"));
        publish();
        assertThat(heard).containsExactly("b");
    }

    @Test
    void anAgentsListenersLikewise() {
        Disposable one = bus.followAgent(7, listener("one"));
        Disposable two = bus.followAgent(7, listener("two"));
        assertThat(bus.followedAgents()).containsExactly(7L);
        one.dispose();
        bus.deliverToAgentHere(7, new OfferWithdrawn(dialog, 7));
        assertThat(heard).containsExactly("two");
        two.dispose();
        assertThat(bus.followedAgents()).isEmpty();
    }

    @Test
    void eachKindGoesToItsDialogOrItsAgent() {
        bus.followDialog(dialog, listener("dialog"));
        bus.followAgent(7, listener("agent 7"));
        bus.followAgent(8, listener("agent 8"));
        bus.deliverHere(new QueueChanged(dialog, 2, null, 1));
        bus.deliverHere(new PersonWroteAgain(UUID.randomUUID(), false, 8, UUID.randomUUID(), UUID.randomUUID(), "Ann",
                "WIDGET", "wrote again"));
        bus.deliverHere(new OfferWithdrawn(UUID.randomUUID(), 7));
        assertThat(heard).containsExactly("dialog", "agent 8", "agent 7");
    }

    @Test
    void theRelayReadsBackEveryKindTheFanOutRoutes() {
        List<Class<?>> routed = List.copyOf(bus.eventTypes());
        assertThat(routed)
                .contains(MessageAppended.class, QueueChanged.class, PersonWroteAgain.class, OfferWithdrawn.class)
                .contains(DialogChanged.class.getPermittedSubclasses());
    }
}
