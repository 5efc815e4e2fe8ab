"""Templates of small Python function tasks, each with a trusted reference solution.

A ``Family`` renders to one task per (name alias, constant ``k``): the prompt asks for the
function, the tests are asserts whose expected values come from running the *reference*
solution on the family's inputs (our own code, executed with ``exec`` when the dataset is
built, never model output). 18 families with a constant and 24 plain ones with 2-3 name
aliases give a few hundred distinct tasks.

    from experts.datasets.code_tasks import all_tasks; len(all_tasks())
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Family:
    names: tuple[str, ...]   # aliases; "{k}" is replaced by the constant
    args: str                # "x" or "a, b"
    desc: str                # what the function returns ("returns x plus {k}")
    body: str                # reference body ("return x + {k}"), lines separated by "\n"
    inputs: tuple[str, ...]  # argument lists as Python source ("3, 4")
    ks: tuple[int, ...] = (0,)


@dataclass(frozen=True)
class Task:
    name: str
    signature: str
    prompt: str
    tests: str
    solution: str


K = tuple(range(2, 26))
WITH_K = [
    Family(("add_{k}",), "x", "returns x plus {k}", "return x + {k}", ("1", "0", "-3", "10"), K),
    Family(("subtract_{k}",), "x", "returns x minus {k}", "return x - {k}", ("30", "0", "{k}"), K),
    Family(("times_{k}",), "x", "returns x multiplied by {k}", "return x * {k}", ("2", "0", "-4"), K),
    Family(("is_multiple_of_{k}",), "n", "returns True if n is divisible by {k}, else False",
           "return n % {k} == 0", ("{k}", "0", "7", "36", "{k} + 1"), K),
    Family(("repeat_{k}",), "s", "returns the string s repeated {k} times", "return s * {k}", ("'ab'", "''", "'x'"), K[:8]),
    Family(("first_{k}",), "items", "returns a list of the first {k} elements of the list items",
           "return items[:{k}]", ("list(range(10))", "[]", "[9]"), K[:8]),
    Family(("last_{k}",), "items", "returns a list of the last {k} elements of the list items",
           "return items[-{k}:]", ("list(range(10))", "[]", "[9]"), K[:8]),
    Family(("count_above_{k}",), "nums", "returns how many numbers in the list nums are greater than {k}",
           "return sum(1 for n in nums if n > {k})", ("[1, 5, 10, 25]", "[]", "[{k}, 100]"), K),
    Family(("clip_{k}",), "x", "returns x if x is at most {k}, otherwise {k}", "return min(x, {k})", ("0", "{k}", "100"), K),
    Family(("pad_{k}",), "s", "returns the string s left-padded with '0' characters to length {k}",
           "return s.rjust({k}, '0')", ("'7'", "''", "'123456789012345678901'"), K[:10]),
    Family(("add_{k}_to_each",), "nums", "returns a new list with {k} added to every number in nums",
           "return [n + {k} for n in nums]", ("[1, 2, 3]", "[]", "[-{k}]"), K),
    Family(("remove_{k}",), "nums", "returns a new list of the numbers in nums that are not equal to {k}",
           "return [n for n in nums if n != {k}]", ("[1, {k}, 3, {k}]", "[]", "[{k}]"), K),
    Family(("greater_than_{k}",), "x", "returns True if x is greater than {k}, else False",
           "return x > {k}", ("0", "{k}", "100"), K),
    Family(("sum_first_{k}",), "nums", "returns the sum of the first {k} numbers of the list nums",
           "return sum(nums[:{k}])", ("list(range(1, 30))", "[]", "[5]"), K[:10]),
    Family(("truncate_{k}",), "s", "returns the first {k} characters of the string s",
           "return s[:{k}]", ("'abcdefghijklmnopqrstuvwxyz'", "''", "'hi'"), K[:10]),
    Family(("power_{k}",), "x", "returns x raised to the power {k}", "return x ** {k}", ("2", "0", "-1", "3"), K[:5]),
    Family(("mod_{k}",), "n", "returns the remainder of n divided by {k}", "return n % {k}", ("0", "25", "{k}", "99"), K),
    Family(("count_char_{k}",), "s", "returns how many times the digit character '{k}' appears in the string s",
           "return s.count('{k}')", ("'{k}{k}1'", "''", "'{k}'"), tuple(range(2, 10))),
]
PLAIN = [
    Family(("add", "add_numbers", "sum_two"), "a, b", "returns the sum of a and b", "return a + b", ("1, 2", "0, 0", "-5, 3")),
    Family(("subtract", "difference"), "a, b", "returns a minus b", "return a - b", ("5, 3", "0, 4", "-1, -1")),
    Family(("multiply", "product"), "a, b", "returns a multiplied by b", "return a * b", ("3, 4", "0, 9", "-2, 5")),
    Family(("is_even", "even"), "n", "returns True if n is even, else False", "return n % 2 == 0", ("4", "7", "0")),
    Family(("is_odd", "odd"), "n", "returns True if n is odd, else False", "return n % 2 == 1", ("3", "8", "0")),
    Family(("reverse_string", "reverse_text", "flip"), "s", "returns the string s reversed", "return s[::-1]",
           ("'abc'", "''", "'racecar'")),
    Family(("max_of_list", "largest"), "nums", "returns the largest number in the non-empty list nums", "return max(nums)",
           ("[1, 3, 2]", "[-5]", "[0, 0]")),
    Family(("min_of_list", "smallest"), "nums", "returns the smallest number in the non-empty list nums", "return min(nums)",
           ("[4, 1, 3]", "[7]", "[-2, 5]")),
    Family(("sum_list", "total"), "nums", "returns the sum of the numbers in the list nums", "return sum(nums)",
           ("[1, 2, 3]", "[]", "[-1, 1]")),
    Family(("count_vowels", "vowel_count"), "s", "returns the number of vowels (a, e, i, o, u) in the lowercase string s",
           "return sum(c in 'aeiou' for c in s)", ("'hello'", "''", "'xyz'", "'aeiou'")),
    Family(("square", "squared"), "x", "returns x squared", "return x * x", ("3", "0", "-2")),
    Family(("cube", "cubed"), "x", "returns x cubed", "return x ** 3", ("2", "0", "-3")),
    Family(("absolute", "abs_value"), "x", "returns the absolute value of x", "return abs(x)", ("-4", "0", "5")),
    Family(("is_palindrome", "palindrome"), "s", "returns True if the string s reads the same backwards, else False",
           "return s == s[::-1]", ("'level'", "'abc'", "''")),
    Family(("to_upper", "shout"), "s", "returns the string s in upper case", "return s.upper()", ("'abc'", "''", "'Hi!'")),
    Family(("list_length", "count_items"), "items", "returns the number of elements in the list items", "return len(items)",
           ("[1, 2, 3]", "[]", "['a']")),
    Family(("first_element", "head"), "items", "returns the first element of the non-empty list items", "return items[0]",
           ("[5, 6]", "['a']", "[0, 1, 2]")),
    Family(("last_element", "tail_item"), "items", "returns the last element of the non-empty list items", "return items[-1]",
           ("[5, 6]", "['a']", "[0, 1, 2]")),
    Family(("factorial", "fact"), "n", "returns n factorial (n! for n >= 0)",
           "result = 1\nfor i in range(2, n + 1):\n    result *= i\nreturn result", ("0", "1", "5", "6")),
    Family(("fibonacci", "fib"), "n", "returns the n-th Fibonacci number, with fib(0) = 0 and fib(1) = 1",
           "a, b = 0, 1\nfor _ in range(n):\n    a, b = b, a + b\nreturn a", ("0", "1", "2", "10")),
    Family(("max_of_two", "bigger"), "a, b", "returns the larger of a and b", "return a if a > b else b",
           ("1, 2", "5, 3", "-1, -1")),
    Family(("remove_duplicates", "unique"), "items", "returns the list items without duplicates, keeping first occurrences in order",
           "out = []\nfor x in items:\n    if x not in out:\n        out.append(x)\nreturn out", ("[1, 2, 1, 3, 2]", "[]", "['a', 'a']")),
    Family(("filter_even", "evens"), "nums", "returns a list of the even numbers in nums, in order",
           "return [n for n in nums if n % 2 == 0]", ("[1, 2, 3, 4]", "[]", "[7]")),
    Family(("count_words", "word_count"), "s", "returns the number of words in the string s (words are separated by spaces)",
           "return len(s.split())", ("'hello world'", "''", "'one'")),
]


def _reference(signature: str, body: str) -> str:
    return f"def {signature}:\n" + "".join(f"    {line}\n" for line in body.split("\n"))


def render(family: Family, alias: str, k: int) -> Task:
    name = alias.format(k=k)
    signature = f"{name}({family.args})"
    solution = _reference(signature, family.body.format(k=k))
    namespace: dict[str, Any] = {}
    exec(solution, namespace)  # noqa: S102 - our own reference solution, to compute expected values
    calls = [f"{name}({inp.format(k=k)})" for inp in family.inputs]
    expected = [eval(call, namespace) for call in calls]  # noqa: S307 - our own reference + literal inputs
    tests = "".join(f"assert {call} == {value!r}\n" for call, value in zip(calls, expected))
    prompt = (f"Write a Python function `{signature}` that {family.desc.format(k=k)}. "
              f"For example, {calls[0]} should return {expected[0]!r}.")
    return Task(name, signature, prompt, tests, solution)


@lru_cache(maxsize=1)
def all_tasks() -> tuple[Task, ...]:
    """Every distinct task, in a fixed order."""
    return tuple(render(f, alias, k) for f in WITH_K + PLAIN for alias in f.names for k in f.ks)
