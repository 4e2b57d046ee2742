import unittest


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


class FibTest(unittest.TestCase):
    def test_small(self):
        self.assertEqual([fib(i) for i in range(6)], [0, 1, 1, 2, 3, 5])

    def test_large(self):
        assert fib(30) == 832040


if __name__ == "__main__":
    unittest.main()
