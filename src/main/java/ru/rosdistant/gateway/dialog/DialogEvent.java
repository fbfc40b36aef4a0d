package ru.rosdistant.gateway.dialog;

import java.util.UUID;

/** What the live sockets of a dialog hear about it. */
public sealed interface DialogEvent {

    UUID dialogId();

    /** A message was stored; delivered to everyone following the dialog. */
    record MessageAppended(Message message) implements DialogEvent {

        @Override
        public UUID dialogId() {
            return message.dialogId();
        }
    }

    /**
     * The dialog was assigned, forwarded or closed; also delivered to the agent it belongs to, and to the agent who
     * had it before. {@code handOff} says how it left that agent, when it did: {@code forwarded}, {@code triaged},
     * {@code taken_over} or {@code requeued} (null otherwise).
     */
    record DialogChanged(Dialog dialog, Long previousAgentId, String handOff) implements DialogEvent {

        public DialogChanged(Dialog dialog, Long previousAgentId) {
            this(dialog, previousAgentId, null);
        }

        @Override
        public UUID dialogId() {
            return dialog.id();
        }
    }

    /** An agent read a dialog up to {@code seq}; {@code unread} of the person's messages are left. To their sockets. */
    record ReadUpTo(UUID dialogId, long agentId, long seq, long unread) implements DialogEvent {
    }

    /** Someone started or stopped typing; not stored. */
    record TypingChanged(UUID dialogId, Sender sender, boolean typing, String name) implements DialogEvent {
    }

    /** A waiting dialog is offered to an agent, who may accept it until {@code expiresAt}. */
    record Offered(Dialog dialog, long agentId, java.time.Instant expiresAt) implements DialogEvent {

        @Override
        public UUID dialogId() {
            return dialog.id();
        }
    }

    /** An offer is no longer open for this agent (taken by someone else, expired, or the dialog closed). */
    record OfferWithdrawn(UUID dialogId, long agentId) implements DialogEvent {
    }

    /**
     * The dialog's place in its line's waiting line changed, or whether anyone of the line is online to answer.
     * {@code estimatedWaitSeconds} is null unless the line's recent pace gives one. Not stored.
     */
    record QueueChanged(UUID dialogId, int position, Long estimatedWaitSeconds, int agentsOnline)
            implements DialogEvent {
    }

    /**
     * The person of a card wrote again (regulation 4.2): said to the card's responsible agent only, with the task made
     * for it. {@code subjectId} is the new dialog, or the offline appeal ({@code appeal} true).
     */
    record PersonWroteAgain(UUID subjectId, boolean appeal, long agentId, UUID cardId, UUID taskId, String name,
            String channel, String title) implements DialogEvent {

        @Override
        public UUID dialogId() {
            return subjectId;
        }
    }
}
