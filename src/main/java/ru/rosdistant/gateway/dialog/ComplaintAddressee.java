package ru.rosdistant.gateway.dialog;

/** Whom a complaint is addressed to (regulation 4.3.2c, 3), with the regulation's wording for the task title. */
public enum ComplaintAddressee {

    /** A complaint of an applicant, a partner or any other client. */
    MARKETING_DIRECTOR("директору ЦМОУиПА"),

    /** A complaint of a student. */
    HEAD_OF_STUDENT_AFFAIRS("начальнику УСУП");

    private final String dative;

    ComplaintAddressee(String dative) {
        this.dative = dative;
    }

    /** «директору ЦМОУиПА» / «начальнику УСУП», as the task title says it. */
    public String dative() {
        return dative;
    }
}
