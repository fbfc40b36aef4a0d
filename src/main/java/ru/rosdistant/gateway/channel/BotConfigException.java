package ru.rosdistant.gateway.channel;

/** A bot file that cannot be used; the message names the file and the field. */
class BotConfigException extends IllegalStateException {

    BotConfigException(String file, String field, String problem) {
        super("Bot configuration " + file + ": field '" + field + "' " + problem);
    }

    BotConfigException(String file, String problem, Throwable cause) {
        super("Bot configuration " + file + ": " + problem, cause);
    }
}
