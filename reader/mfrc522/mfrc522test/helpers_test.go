package mfrc522test

import "stampclock/reader/mfrc522/internal/iso14443a"

func crcA(b []byte) (byte, byte) { return iso14443a.CRCA(b) }
