<?php
// What every PHP driver here shares: eq() and check(), which print "PASS <check>" / "FAIL <check>: <reason>"
// and count into $passed / $failed. With $verbose, a failure also prints the exception and the last request
// and response of the SoapClient in $c.
$passed = 0; $failed = 0;
$c = null;

function eq($what, $got, $exp) {
    if ($got !== $exp) {
        throw new Exception("$what: expected " . var_export($exp, true) . ", got " . var_export($got, true));
    }
}
function check($name, $fn) {
    global $passed, $failed, $verbose, $c;
    try {
        $fn();
        echo "PASS $name\n"; $passed++;
    } catch (Throwable $e) {
        echo "FAIL $name: " . str_replace("\n", ' ', get_class($e) . ': ' . $e->getMessage()) . "\n"; $failed++;
        if ($verbose) {
            fwrite(STDERR, $e . "\n");
            if ($c) fwrite(STDERR, "REQUEST:\n" . $c->__getLastRequest() . "\nRESPONSE:\n" . $c->__getLastResponse() . "\n");
        }
    }
}
