<?php
// PHP ext/soap SoapClient in WSDL mode against the gateway's .NET Remoting WSDL (?wsdl=remoting, rpc/encoded):
// every operation of the Remoting sample contract (examples.remoting_samples), nulls included. The same
// checks as tests/interop/axis/AxisRemotingClient.java and the suds ones in test_rpc_encoded_toolkits.py.
//
//   php remoting_client.php 'http://127.0.0.1:PORT/' [-v]
//
// Prints "PASS <check>" / "FAIL <check>: <reason>" per check and, last, "N passed, M failed".
$base = $argv[1];
$verbose = in_array('-v', $argv, true);
require __DIR__ . '/checks.php';

function client($url) {
    return new SoapClient($url, ['cache_wsdl' => WSDL_CACHE_NONE, 'trace' => true, 'exceptions' => true,
                                 'features' => SOAP_SINGLE_ELEMENT_ARRAYS]);
}

try {
    $hello = client($base . 'SayHello.soap?wsdl=remoting');
    $c = client($base . 'SingleCallService.rem?wsdl=remoting');
} catch (Throwable $e) {
    echo "SETUP FAILED: SoapClient: " . str_replace("\n", ' ', $e->getMessage()) . "\n";
    exit(2);
}
$t = '2024-01-02T03:04:05Z';
$when = '2024-01-02T03:04:05.0000000Z|Utc';

check('hello', fn() => eq('HelloMethod', $hello->HelloMethod('Caveman'), 'Hi there Caveman'));
check('hello_unicode_markup', fn() => eq('HelloMethod', $hello->HelloMethod("h\u{e9}llo \u{2713} <&>"), "Hi there h\u{e9}llo \u{2713} <&>"));
check('increment', function () use ($c) { eq('first', $c->Increment(), 1); eq('second (SingleCall)', $c->Increment(), 1); });
check('type_and_process', function () use ($c) {
    eq('GetRemoteObjectType', $c->GetRemoteObjectType(), 'RemotingPeer.SingleCallObject');
    if (!is_int($c->GetProcessId()) || $c->GetProcessId() <= 0) throw new Exception('GetProcessId');
});
check('echo', fn() => eq('Echo', $c->Echo(-7, 2.5, true, "x<&y \u{fc}", $t), "-7|2.5|True|x<&y \u{fc}|$when"));
check('echo_null_string', fn() => eq('Echo', $c->Echo(0, 0.1, false, null, $t), "0|0.1|False|<null>|$when"));
check('echo_more', fn() => eq('EchoMore', $c->EchoMore(1099511627776, 1.5, '12.25', 'A', 255, -5, 'PT1.5S', "\x00\xff", 'x', 'Friday'),
                              '1099511627776|1.5|12.25|65|255|-5|15000000|00ff|[x]|Friday'));
check('echo_more_nulls', fn() => eq('EchoMore', $c->EchoMore(1, 0.0, '0', 'z', 0, 0, 'PT0S', null, null, 'Sunday'),
                                    '1|0|0|122|0|0|0|<null>|<null>|Sunday'));
check('reverse', fn() => eq('Reverse', $c->Reverse([1, 2, 3]), [3, 2, 1]));
check('reverse_empty', fn() => eq('Reverse', $c->Reverse([]), []));
check('reverse_null', fn() => eq('Reverse(null)', $c->Reverse(null), null));
check('get_person', function () use ($c) {
    $p = $c->GetPerson('Bob', 41);
    eq('Name', $p->Name, 'Bob');
    eq('Age', $p->Age, 41);
});
check('get_person_null_name', fn() => eq('Name', $c->GetPerson(null, 1)->Name, null));
check('birthday', function () use ($c) {
    $p = $c->Birthday(['Name' => 'Ann', 'Age' => 30]);
    eq('Name', $p->Name, 'Ann');
    eq('Age', $p->Age, 31);
});
check('birthday_null', fn() => eq('Birthday(null)', $c->Birthday(null), null));
check('fail', function () use ($c) {
    try {
        $c->Fail('bad news <&>');
    } catch (SoapFault $f) {
        eq('faultstring', $f->faultstring, ' **** RemotingPeer.GreetingException - bad news <&>');
        return;
    }
    throw new Exception('no fault');
});
echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
