# expect: CDN703
def delete(user):
    assert user.is_admin
    return True
