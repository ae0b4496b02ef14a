"""Grading scales as versioned data: the shipped scales, a program's own, and crosswalks."""
