"""SIP messages and RTP events as the media application reads and writes them (pure)."""

from __future__ import annotations

from vmeste.telephony import rtp, sip

INVITE = (
    b"INVITE sip:78002003411@127.0.0.1:5060 SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKa;rport\r\n"
    b"v: SIP/2.0/UDP 127.0.0.1:16003;branch=z9hG4bKb\r\n"
    b"Record-Route: <sip:127.0.0.1:5060;lr>\r\n"
    b'f: "Caller" <sip:79001234567@127.0.0.1:16003>;tag=abc\r\n'
    b"To: <sip:78002003411@127.0.0.1>\r\n"
    b"i: 1-2@127.0.0.1\r\n"
    b"CSeq: 1 INVITE\r\n"
    b"Contact: <sip:79001234567@127.0.0.1:16003>\r\n"
    b"Content-Type: application/sdp\r\n"
    b"l: 120\r\n\r\n"
    b"v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 16200 RTP/AVP 8 101\r\n"
    b"a=rtpmap:101 telephone-event/8000\r\n"
)


def test_a_request_is_read_with_compact_headers_and_its_offer():
    message = sip.parse(INVITE)
    assert message.is_request and message.method == "INVITE"
    assert message.call_id == "1-2@127.0.0.1"
    assert len(message.all("via")) == 2
    assert sip.tag(message.get("from")) == "abc"
    assert sip.user_of(message.get("from")) == "79001234567"
    offer = sip.parse_sdp(message.body)
    assert (offer.address, offer.port, offer.event_payload) == ("127.0.0.1", 16200, 101)


def test_a_reply_copies_what_the_rfc_says_and_adds_our_tag_once():
    message = sip.parse(INVITE)
    ok = sip.reply(message, 200, to_tag="xyz", contact="sip:media@127.0.0.1:5070", body="v=0\r\n")
    again = sip.parse(ok.encode())
    assert again.status == 200 and again.method == "INVITE"
    assert [v for v in again.all("via")] == message.all("via")
    assert again.all("record-route") == message.all("record-route")
    assert sip.tag(again.get("to")) == "xyz"
    assert again.get("content-length") == "5"
    tagged = sip.reply(again, 200, to_tag="other")
    assert sip.tag(tagged.get("to")) == "xyz"


def test_where_a_uri_is_sent():
    assert sip.host_port("<sip:127.0.0.1:5060;lr>") == ("127.0.0.1", 5060)
    assert sip.host_port("sip:ivanova@10.0.0.2") == ("10.0.0.2", 5060)


def test_each_key_press_is_one_digit_whatever_the_retransmissions():
    receiver = rtp.DigitReceiver(101)
    heard = []
    presses = [("1", 1000), ("1", 2000), ("#", 3000)]  # the same key twice is two presses
    seq = 0
    for digit, timestamp in presses:
        for data in rtp.event_packets(digit, seq=seq, timestamp=timestamp, ssrc=7):
            seq += 1
            found = receiver.feed(rtp.unpack(data))
            if found:
                heard.append(found)
    assert heard == ["1", "1", "#"]
    audio = rtp.unpack(rtp.packet(8, 1, 160, 7, b"\xd5" * 160))
    assert receiver.feed(audio) is None and audio.payload_type == 8


def test_the_sipp_capture_of_a_key_press_is_heard_as_that_key():
    """SIPp's own RFC 2833 capture, read the way the media application reads RTP."""
    import struct
    from pathlib import Path

    import pytest

    capture = Path("/usr/share/sip-tester/dtmf_2833_7.pcap")
    if not capture.exists():
        pytest.skip("sip-tester (SIPp) is not installed: apt-get install sip-tester")
    data = capture.read_bytes()
    offset, heard = 24, []
    receiver = rtp.DigitReceiver(101)
    while offset + 16 <= len(data):
        length = struct.unpack("<I", data[offset + 8 : offset + 12])[0]
        frame = data[offset + 16 : offset + 16 + length]
        offset += 16 + length
        udp = frame[14 + (frame[14] & 0x0F) * 4 :]  # Ethernet, then IPv4's own length
        header = rtp.unpack(udp[8:])
        found = header and receiver.feed(header)
        if found:
            heard.append(found)
    assert heard == ["7"]
