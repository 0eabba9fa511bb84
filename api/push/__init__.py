"""Sending pushes: a small gateway protocol, firebase-admin's FCM and a local stand-in."""
