/**
 * Canned answers: ready texts per line that agents insert in the console with a shortcut ({@code /hello});
 * supervisors keep them.
 */
package ru.rosdistant.gateway.canned;
