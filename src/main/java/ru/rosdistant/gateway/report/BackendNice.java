package ru.rosdistant.gateway.report;

/**
 * {@code gateway.report.backend-nice}: whether the PostgreSQL backends of the report connections run at a lowered CPU
 * priority. {@code auto} lowers them to nice 19 when the connection reaches the database over loopback or a Unix
 * socket (PostgreSQL on the gateway's host: the embedded default); {@code off} never; a number 0-19 tries that niceness
 * whatever the address (a database on this host reached by another address). Lowering needs the backend to be a
 * process of this host, of the gateway's user (or the gateway to run as root).
 *
 * @param auto only when the database's address is this host's
 * @param niceness the niceness asked, or -1 for none
 */
record BackendNice(boolean auto, int niceness) {

    static final int LOWEST = 19;

    static BackendNice parse(String setting) {
        String value = setting == null ? "" : setting.strip();
        if (value.equalsIgnoreCase("auto")) {
            return new BackendNice(true, LOWEST);
        }
        if (value.equalsIgnoreCase("off")) {
            return new BackendNice(false, -1);
        }
        try {
            int niceness = Integer.parseInt(value);
            if (niceness >= 0 && niceness <= LOWEST) {
                return new BackendNice(false, niceness);
            }
        }
        catch (NumberFormatException ex) {
            // answered below
        }
        throw new IllegalArgumentException(
                "gateway.report.backend-nice: auto, off or a niceness 0 to 19 (19 the lowest priority), not '" + setting
                        + "'");
    }

    boolean off() {
        return niceness < 0;
    }
}
